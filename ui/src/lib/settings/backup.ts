// Settings › Data's own words and names: the file name a backup is offered under, whether an
// import lands on a garage that already has something in it, and what then happens to the rows
// already here (as the core's restore does it: src-tauri/core/src/backup/restore.rs).

import { todayInput } from '../format/dates';

/** "pedalwrencher-2026-12-05.json": the name "Save as…" offers, today's local date. */
export function backupFileName(now: Date = new Date()): string {
  return `pedalwrencher-${todayInput(now)}.json`;
}

/** What the window knows of the garage before an import. */
export interface GarageShape {
  bikes: readonly unknown[];
  shelf: readonly unknown[];
  unassigned_rides: number;
}

/**
 * The garage has something the rider can see: bikes (retired ones too), parts on the shelf, or
 * rides without a bike. Every ride with a bike has its bike in the list, so this is the garage as
 * the rider sees it; the restore's report says whether the core found it empty. A garage not
 * loaded (yet, or it failed to load) counts as one: better a question too many than none.
 */
export function hasGarage(g: GarageShape | null): boolean {
  return g === null || g.bikes.length > 0 || g.shelf.length > 0 || g.unassigned_rides > 0;
}

/** What an import alongside an existing garage does to the rows already here, said before it runs. */
export const ALONGSIDE_WORDS = [
  'This garage already has bikes, parts or rides. The backup is added beside them; nothing here is deleted or overwritten:',
  'a row already here (the same bike, part, rule, ride or service, by its id) is kept as it is here, and the backup’s copy is skipped;',
  'a bike or ride that is the same Strava bike or activity as one here under another id is skipped, with the rows that belong to it;',
  'the import is checked first and happens whole or not at all, and the report lists what was added and what was skipped, and why.',
] as const;
