// The Import place's state: the bike for the batch, the import running (progress) and its
// report, the drop zone's highlight, and the watched folder.

import { errorMessage } from '../api';
import * as api from './api';

export type Status = api.RideFileEntry['status'];

/** The words for an entry's outcome, and why when it was skipped or failed. */
export function describe(e: api.RideFileEntry): string {
  switch (e.status) {
    case 'imported':
      return e.flagged ? `Imported, flagged for review: ${e.flagged}` : e.bike_from_sensors ? `Imported; ${e.bike_from_sensors}` : 'Imported';
    case 'duplicate':
      return `Already here; kept ${e.kept}`;
    case 'skipped':
      return `Skipped: ${e.reason}`;
    case 'failed':
      return `Failed: ${e.reason}`;
  }
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

export function summary(t: api.RideFileTotals): string {
  return [
    `${plural(t.imported, 'ride', 'rides')} imported`,
    `${t.duplicate.toLocaleString('en-GB')} already here`,
    `${t.skipped.toLocaleString('en-GB')} skipped`,
    `${t.failed.toLocaleString('en-GB')} failed`,
  ].join(', ');
}

class ImportStore {
  /** The bike for the whole batch; null: the archive's gear, else the sensors' bike, else none. */
  bikeId = $state<string | null>(null);
  busy = $state(false);
  progress = $state<api.RideFileTotals | null>(null);
  report = $state<api.RideFileReport | null>(null);
  error = $state<string | null>(null);
  dragging = $state(false);
  watched = $state<string | null>(null);
  watchedError = $state<string | null>(null);
  watchedBusy = $state(false);

  async run(paths: string[]): Promise<void> {
    if (!paths.length || this.busy) return;
    this.busy = true;
    this.error = null;
    this.report = null;
    this.progress = { imported: 0, duplicate: 0, skipped: 0, failed: 0 };
    try {
      this.report = await api.importPaths(paths, this.bikeId);
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.busy = false;
      this.progress = null;
    }
  }

  async choose(): Promise<void> {
    try {
      await this.run(await api.chooseFiles());
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  async loadWatched(): Promise<void> {
    try {
      this.watched = await api.watchedFolder();
    } catch (e) {
      this.watchedError = errorMessage(e);
    }
  }

  async setWatched(folder: string | null): Promise<void> {
    this.watchedBusy = true;
    this.watchedError = null;
    try {
      this.watched = await api.setWatchedFolder(folder);
    } catch (e) {
      this.watchedError = errorMessage(e);
    } finally {
      this.watchedBusy = false;
    }
  }

  async chooseWatched(): Promise<void> {
    try {
      const folder = await api.chooseFolder('The folder to watch for new ride files');
      if (folder) await this.setWatched(folder);
    } catch (e) {
      this.watchedError = errorMessage(e);
    }
  }
}

export const importer = new ImportStore();
