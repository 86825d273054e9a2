// The garage's first reads, asked for by a start-up script (`EARLY_READS`, src-tauri/src/startup.rs)
// before this bundle was even loaded, in a window shown at start: the back end reads the garage
// while the page loads, parses and mounts the bundle (20–40 ms on this machine), instead of after.
// The store takes them once, for its first load; every later load asks anew.

import type {
  Garage_Serialize as Garage,
  Preset_Serialize as Preset,
  RuleStatus_Serialize as RuleStatus,
} from '../bindings';

export interface FirstReads {
  garage: Promise<Garage>;
  dueList: Promise<RuleStatus[]>;
  presets: Promise<Preset[]>;
}

/** Where the start-up script leaves them. */
export const FIRST_READS_KEY = '__PEDALWRENCHER_FIRST_READS__';

/** The reads asked for at start-up, the first time only; null after, or where none were asked. */
export function takeFirstReads(holder: Record<string, unknown> = window as never): FirstReads | null {
  const reads = holder[FIRST_READS_KEY] as FirstReads | undefined;
  delete holder[FIRST_READS_KEY];
  return reads ?? null;
}
