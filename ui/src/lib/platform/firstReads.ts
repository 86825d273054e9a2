// The garage's first reads, asked for by the start-up script (src-tauri/src/startup.rs) before
// this bundle was even loaded: the back end reads the garage while the page parses and mounts,
// instead of after (about 30 ms sooner on the demo garage, more on a large one). The store takes
// them once, for its first load; every later load asks anew.

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
