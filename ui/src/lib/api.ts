// The window's side of the bridge, around the generated bindings (./bindings.ts, `make bindings`):
// commands are called as `commands.garage()`, events heard as `events.garageChanged.listen(...)`,
// and their inputs and results are the Rust types, generated. This file adds what the generated
// part does not know: the words for a failed command, and one listener for "something changed".
//
// A failing command rejects its promise with a `CommandError` ({ kind, message }); callers catch
// it and show `errorMessage(e)` next to the form or in a banner.
//
// Units: ids are strings, times are UTC unix milliseconds, distances metres, durations seconds,
// elevation metres, energy kilojoules. Dates the rider picks are sent as typed ("YYYY-MM-DD"):
// the core decides which instant of that day is meant (the same rule as the CLI's).

import { events, type CommandError } from './bindings';
import { NotAvailableYet } from './unbound';

function hasBridge(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

const ERROR_KINDS: readonly string[] = ['invalid', 'not_found', 'conflict', 'storage', 'remote'];

export function isCommandError(e: unknown): e is CommandError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { kind?: unknown }).kind === 'string' &&
    ERROR_KINDS.includes((e as { kind: string }).kind) &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

/** Turns anything a command (or the bridge) rejects with into a message for display. */
export function errorMessage(e: unknown): string {
  if (e instanceof NotAvailableYet) return e.message;
  // Outside the app (the UI alone in a browser) every command fails for this one reason.
  if (!hasBridge()) return 'The Pedalwrencher back end is not available (is the app running inside Tauri?).';
  if (isCommandError(e)) {
    const msg = e.message.trim();
    if (msg) return msg;
    switch (e.kind) {
      case 'invalid':
        return 'That input was not accepted.';
      case 'not_found':
        return 'That item no longer exists.';
      case 'conflict':
        return 'That conflicts with something that already exists.';
      case 'storage':
        return 'Could not read or write the garage data.';
      case 'remote':
        return 'Strava could not be reached or refused the request.';
    }
  }
  if (typeof e === 'string' && e.trim()) return e.trim();
  if (e instanceof Error && e.message) return e.message;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return 'Something went wrong.';
}

/**
 * Calls `onChange` when the back end says the garage may have changed (a sync ended) or only the
 * Strava or device-sync status did. Returns the function that stops listening.
 */
export async function onBackendChange(
  onChange: (what: 'garage' | 'strava' | 'devices') => void,
): Promise<() => void> {
  if (!hasBridge()) return () => {};
  const stops = await Promise.all([
    events.garageChanged.listen(() => onChange('garage')),
    events.stravaChanged.listen(() => onChange('strava')),
    events.devicesChanged.listen(() => onChange('devices')),
  ]);
  return () => stops.forEach((stop) => stop());
}
