// The Import place's side of the bridge: import paths (files, folders, zip archives) with a bike
// for the batch, hear the import's progress, pick files or a folder with the system dialog, hear
// paths dropped on the window, and read or set the watched folder (a device setting).

import { open } from '@tauri-apps/plugin-dialog';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import type { UnlistenFn } from '@tauri-apps/api/event';
import { commands, events, type RideFileReport_Serialize as RideFileReport, type RideFileTotals } from '../bindings';

export type { RideFileReport, RideFileTotals };
export type RideFileEntry = RideFileReport['files'][number];

/** The extensions the picker offers; the content decides the format. */
const RIDE_FILES = ['fit', 'gpx', 'tcx', 'gz', 'zip'];

/** Imports `paths`; every ride file gets one entry. Rejects with a CommandError. */
export function importPaths(paths: string[], bikeId: string | null): Promise<RideFileReport> {
  return commands.importRideFiles({ paths, bike_id: bikeId });
}

/** Calls `f` with the totals so far while an import runs. */
export function onProgress(f: (t: RideFileTotals) => void): Promise<UnlistenFn> {
  return events.rideImportProgress.listen((e) => f(e.payload));
}

/** "Choose files…": the paths picked, or none when the rider cancelled. */
export async function chooseFiles(): Promise<string[]> {
  const picked = await open({
    multiple: true,
    directory: false,
    title: 'Ride files or archives to import',
    filters: [{ name: 'Ride files and archives', extensions: RIDE_FILES }],
  });
  if (picked === null) return [];
  return Array.isArray(picked) ? picked : [picked];
}

/** A folder (for the watched folder, or to import one), or null when cancelled. */
export async function chooseFolder(title: string): Promise<string | null> {
  const picked = await open({ multiple: false, directory: true, title });
  return typeof picked === 'string' ? picked : null;
}

/** Hears files dragged over and dropped on the window (the webview's own drag-and-drop). */
export function onDrop(handlers: {
  over: (inside: boolean) => void;
  drop: (paths: string[]) => void;
}): Promise<UnlistenFn> {
  return getCurrentWebview().onDragDropEvent((e) => {
    const p = e.payload;
    if (p.type === 'enter' || p.type === 'over') handlers.over(true);
    else if (p.type === 'leave') handlers.over(false);
    else if (p.type === 'drop') {
      handlers.over(false);
      if (p.paths.length) handlers.drop(p.paths);
    }
  });
}

export async function watchedFolder(): Promise<string | null> {
  return (await commands.settingsGet()).watched_folder ?? null;
}

/** Sets the watched folder, or stops watching with null. Returns what was saved. */
export async function setWatchedFolder(folder: string | null): Promise<string | null> {
  const saved = await commands.settingsSet({ import: { watched_folder: folder } });
  return saved.watched_folder ?? null;
}
