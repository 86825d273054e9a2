// The Devices section's state: device sync as the back end last reported it, and what the
// rider's last action there said.

import { errorMessage } from '../api';
import {
  commands,
  type DevicesReport_Serialize as DevicesReport,
  type DevicesStatus_Serialize as DevicesStatus,
} from '../bindings';
import { store } from '../garage/store.svelte';
import type { Health } from '../strava/store.svelte';

export function healthOf(s: DevicesStatus | null): Health {
  if (!s || !s.set_up) return 'off';
  if (s.last_error) return 'bad';
  // A device on a newer version: this one should be updated.
  if (s.notices.length || s.quarantined > 0 || s.waiting_for_update > 0) return 'warn';
  return s.last_ok_at ? 'ok' : 'warn';
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

/** "Synced: 12 changes received, 3 files sent." for a Sync now. */
export function describeSync(r: DevicesReport): string {
  const parts: string[] = [];
  if (r.vault_created) parts.push('sync set up on the target');
  if (r.applied.fields) parts.push(`${plural(r.applied.fields, 'change', 'changes')} received`);
  if (r.pushed_files) parts.push(`${plural(r.pushed_files, 'file', 'files')} sent`);
  if (r.skipped.length) parts.push(`${plural(r.skipped.length, 'file', 'files')} skipped for now`);
  return parts.length ? `Synced: ${parts.join(', ')}.` : 'Synced: nothing new.';
}

/** How often devices sync in the background: cheap (a listing when nothing changed), so often. */
export const DEVICE_INTERVALS: { minutes: number; label: string }[] = [
  { minutes: 5, label: 'Every 5 minutes' },
  { minutes: 15, label: 'Every 15 minutes' },
  { minutes: 30, label: 'Every 30 minutes' },
  { minutes: 60, label: 'Every hour' },
  { minutes: 360, label: 'Every 6 hours' },
  { minutes: 1440, label: 'Once a day' },
];

/** The choices, with the current value added when it was set elsewhere (settings.json). */
export function intervalChoices(current: number): { minutes: number; label: string }[] {
  if (DEVICE_INTERVALS.some((o) => o.minutes === current)) return DEVICE_INTERVALS;
  const label = current === 1 ? 'Every minute' : `Every ${current} minutes`;
  return [...DEVICE_INTERVALS, { minutes: current, label }].sort((a, b) => a.minutes - b.minutes);
}

class DevicesStore {
  status = $state<DevicesStatus | null>(null);
  /** What the last action in the section failed with; shown there. */
  error = $state<string | null>(null);
  note = $state<string | null>(null);
  busy = $state<'setup' | 'sync' | 'forget' | 'name' | 'interval' | 'forwarding' | 'dismiss' | null>(null);

  health = $derived(healthOf(this.status));

  /** Re-reads the status. Quiet on failure: the garage says why. */
  async refresh(): Promise<void> {
    try {
      this.status = await commands.devicesStatus();
    } catch {
      // The garage could not be read; the main view explains it.
    }
  }

  private async act<T>(what: NonNullable<DevicesStore['busy']>, run: () => Promise<T>): Promise<T | null> {
    if (this.busy) return null;
    this.busy = what;
    this.error = null;
    this.note = null;
    try {
      return await run();
    } catch (e) {
      // The core's messages start in lower case (the CLI puts "error: " before them).
      const message = errorMessage(e);
      this.error = message.charAt(0).toUpperCase() + message.slice(1);
      return null;
    } finally {
      this.busy = null;
      await Promise.all([this.refresh(), what === 'sync' || what === 'setup' ? store.reload() : null]);
    }
  }

  async setUp(url: string, passphrase: string): Promise<boolean> {
    const done = await this.act('setup', () => commands.devicesSetUp({ url: url.trim(), passphrase }));
    if (done?.report) {
      this.note = done.report.vault_created
        ? 'Sync is set up. Use the same target and passphrase on your other devices.'
        : describeSync(done.report);
    }
    return done !== null;
  }

  async syncNow(): Promise<void> {
    const done = await this.act('sync', () => commands.devicesSyncNow());
    if (done) this.note = done.report ? describeSync(done.report) : 'A sync is running; this updates when it ends.';
  }

  async forget(): Promise<boolean> {
    const done = await this.act('forget', () => commands.devicesForget());
    if (done) this.note = 'This device no longer syncs. Its garage stays here, and the other devices keep theirs.';
    return done !== null;
  }

  async setName(name: string): Promise<boolean> {
    return (await this.act('name', () => commands.devicesSetName({ name }))) !== null;
  }

  async setInterval(minutes: number): Promise<void> {
    await this.act('interval', () => commands.devicesSetInterval({ minutes }));
  }

  async setForwarding(deviceId: string): Promise<void> {
    await this.act('forwarding', () => commands.devicesSetForwarding({ device_id: deviceId }));
  }

  async dismiss(id: number): Promise<void> {
    await this.act('dismiss', () => commands.devicesDismissNotice({ id }));
  }
}

export const devices = new DevicesStore();
