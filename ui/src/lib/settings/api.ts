// What the Settings place asks of the back end. Units are a device setting today
// (`display.units`); the default warn fraction and the Data section (backup, restore, CSV) wait
// for their commands (issue 16) and fail visibly until then.

import { commands, type Settings_Serialize as Settings, type Units } from '../bindings';
import { unbound } from '../unbound';

/** What a restore added and skipped, and why (core: issue 16, section 6). */
export interface RestoreReport {
  added: Record<string, number>;
  skipped: { what: string; why: string }[];
}

export const settingsApi = {
  get: (): Promise<Settings> => commands.settingsGet(),
  setUnits: (units: Units): Promise<Settings> => commands.settingsSet({ display: { units } }),
  /** The warn fraction new rules get (core: a settings field of issue 16). */
  setDefaultWarnFraction: (_fraction: number) => unbound<Settings>('Changing the default warning point'),
  /** Writes the whole garage to one file the rider picks. */
  exportBackup: (_path: string) => unbound<void>('Exporting a backup'),
  /** Rides as CSV. */
  exportRidesCsv: (_path: string) => unbound<void>('Exporting rides as CSV'),
  /** Checks a backup, then imports it whole or not at all. */
  importBackup: (_path: string) => unbound<RestoreReport>('Importing a backup'),
};
