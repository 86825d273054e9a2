// What the Settings place asks of the back end: the device settings (units, the default warning
// point for new rules), and Data: a backup of the whole garage (its rides as CSV beside it) and a
// restore, with the progress the core reports while either runs; the system's file dialogs to pick
// where a backup goes and which one to import.

import { open, save } from '@tauri-apps/plugin-dialog';
import {
  commands,
  events,
  type BackupReport,
  type Progress_Serialize as Progress,
  type RestoreReport,
  type Settings_Serialize as Settings,
  type Units,
} from '../bindings';

export type { BackupReport, Progress, RestoreReport };

/** What the pickers offer: backups are JSON. */
const BACKUP_FILES = [{ name: 'Pedalwrencher backup', extensions: ['json'] }];

/** Runs `job` while `onProgress` hears the backup's progress events. */
async function withProgress<T>(job: () => Promise<T>, onProgress: (p: Progress) => void): Promise<T> {
  const stop = await events.backupProgress.listen((e) => onProgress(e.payload));
  try {
    return await job();
  } finally {
    stop();
  }
}

/** Calls `f` whenever the device settings changed (a save, or units set from Strava). */
export function onSettingsChanged(f: () => void): Promise<() => void> {
  return events.settingsChanged.listen(() => f());
}

export const settingsApi = {
  get: (): Promise<Settings> => commands.settingsGet(),
  setUnits: (units: Units): Promise<Settings> => commands.settingsSet({ display: { units } }),
  /** The warning point new rules get, a fraction of their interval (0.8 = at 80 %). */
  setDefaultWarnFraction: (fraction: number): Promise<Settings> =>
    commands.settingsSet({ display: { default_warn_fraction: fraction } }),
  /**
   * Writes the whole garage to one file (null: `backups/pedalwrencher-YYYY-MM-DD.json` in the data
   * folder) and its rides as `<name>.rides.csv` beside it; the report names both.
   */
  exportBackup: (path: string | null, onProgress: (p: Progress) => void): Promise<BackupReport> =>
    withProgress(() => commands.backupExport({ path }), onProgress),
  /** Checks a backup, then imports it whole or not at all. */
  importBackup: (path: string, onProgress: (p: Progress) => void): Promise<RestoreReport> =>
    withProgress(() => commands.backupRestore({ path }), onProgress),
  /** "Save as…": where to write a backup, offered as `name`; null when the rider cancelled. */
  chooseBackupTarget: (name: string): Promise<string | null> =>
    save({ title: 'Save the backup as', defaultPath: name, filters: BACKUP_FILES }),
  /** "Choose a file…": the backup to import, or null when the rider cancelled. */
  async chooseBackupFile(): Promise<string | null> {
    const picked = await open({ multiple: false, directory: false, title: 'The backup to import', filters: BACKUP_FILES });
    return typeof picked === 'string' ? picked : null;
  },
};
