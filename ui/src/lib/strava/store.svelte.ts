// The Strava section's state: the connection as the back end last reported it, the rides
// without a bike, the sync interval, and what the rider's last action there said.

import { errorMessage } from '../api';
import {
  commands,
  events,
  type Ride_Serialize as Ride,
  type Settings_Serialize as Settings,
  type StravaStatus_Serialize as StravaStatus,
  type StravaSyncProgress,
  type SyncReport,
} from '../bindings';
import { kilometres } from '../format/units';
import { store } from '../garage/store.svelte';

/** The Strava section's two tabs. */
export type StravaTab = 'connection' | 'unassigned';

/** How the header chip colours the sync: green, amber, red, or neutral when not connected. */
export type Health = 'off' | 'ok' | 'warn' | 'bad';

export function healthOf(s: StravaStatus | null): Health {
  if (!s) return 'off';
  switch (s.status) {
    case 'disconnected':
      return 'off';
    case 'ok':
      return 'ok';
    case 'reconnect_needed':
      return 'bad';
    default:
      return 'warn';
  }
}

/** Sync intervals the section offers, in minutes (the core accepts 15 minutes to a day). */
export const INTERVALS: { minutes: number; label: string }[] = [
  { minutes: 15, label: 'Every 15 minutes' },
  { minutes: 30, label: 'Every 30 minutes' },
  { minutes: 60, label: 'Every hour' },
  { minutes: 120, label: 'Every 2 hours' },
  { minutes: 360, label: 'Every 6 hours' },
  { minutes: 720, label: 'Every 12 hours' },
  { minutes: 1440, label: 'Once a day' },
];

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

/** "3 rides added, 1 updated" for a Sync now that found something; "Nothing new" otherwise. */
export function describeSync(r: SyncReport): string {
  const parts: string[] = [];
  if (r.rides_added) parts.push(`${plural(r.rides_added, 'ride', 'rides')} added`);
  if (r.rides_updated) parts.push(`${r.rides_updated.toLocaleString('en-GB')} updated`);
  if (r.rides_deleted) parts.push(`${r.rides_deleted.toLocaleString('en-GB')} deleted`);
  if (r.bikes_added) parts.push(`${plural(r.bikes_added, 'bike', 'bikes')} added`);
  return parts.length ? `Synced: ${parts.join(', ')}.` : 'Synced: nothing new on Strava.';
}

/**
 * How far a running import has come, in the rider's locale: "4,200 rides so far, back to March
 * 2019", or "Paused for Strava's limit until 14:15" (the pass goes on by itself then).
 */
export function describeProgress(p: StravaSyncProgress, locale?: string): string {
  if (p.kind === 'paused') {
    const until = new Date(p.until).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
    return `Paused for Strava's limit until ${until}`;
  }
  const rides = `${p.rides.toLocaleString(locale)} ${p.rides === 1 ? 'ride' : 'rides'} so far`;
  if (p.oldest == null) return rides;
  const back = new Date(p.oldest).toLocaleDateString(locale, { month: 'long', year: 'numeric' });
  return `${rides}, back to ${back}`;
}

class StravaStore {
  status = $state<StravaStatus | null>(null);
  unassigned = $state<Ride[]>([]);
  settings = $state<Settings | null>(null);
  /** What the last action in the section failed with; shown there, not in the corner. */
  error = $state<string | null>(null);
  /** What the last action in the section did ("Synced: 3 rides added."). */
  note = $state<string | null>(null);
  busy = $state<'connect' | 'cancel' | 'sync' | 'disconnect' | 'settings' | null>(null);
  /** How far the running pass has come (the back end's strava-progress event); none between passes. */
  progress = $state<StravaSyncProgress | null>(null);
  /** Rides being assigned right now, by id. */
  assigning = $state<Record<string, boolean>>({});

  health = $derived(healthOf(this.status));
  connected = $derived(this.status !== null && this.status.status !== 'disconnected');

  /** Re-reads the status and the rides without a bike. Quiet on failure: the garage says why. */
  async refresh(): Promise<void> {
    try {
      const [status, unassigned] = await Promise.all([commands.stravaStatus(), commands.unassignedRides()]);
      this.status = status;
      this.unassigned = unassigned;
      if (!status.syncing) this.progress = null;
    } catch {
      // The garage could not be read; the main view explains it.
    }
  }

  /** Hears the running pass's progress; returns the function that stops listening. */
  async listenProgress(): Promise<() => void> {
    return events.stravaProgress.listen((e) => {
      this.progress = e.payload;
    });
  }

  async loadSettings(): Promise<void> {
    try {
      this.settings = await commands.settingsGet();
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  private async act<T>(what: NonNullable<StravaStore['busy']>, run: () => Promise<T>): Promise<T | null> {
    if (this.busy) return null;
    this.busy = what;
    this.error = null;
    this.note = null;
    try {
      return await run();
    } catch (e) {
      this.error = errorMessage(e);
      return null;
    } finally {
      this.busy = null;
      // What the action changed shows at once (the back end's event also reloads after a sync).
      await Promise.all([this.refresh(), what === 'sync' || what === 'disconnect' ? store.reload() : null]);
    }
  }

  async connect(clientId: string, clientSecret: string): Promise<boolean> {
    const started = await this.act('connect', () =>
      commands.stravaConnect({ client_id: clientId.trim(), client_secret: clientSecret.trim() }),
    );
    if (started && !started.opened) {
      this.note = 'No browser could be opened here: copy the address below into one.';
    }
    return started !== null;
  }

  async cancel(): Promise<void> {
    await this.act('cancel', () => commands.stravaCancelConnect());
  }

  async syncNow(): Promise<boolean> {
    const done = await this.act('sync', () => commands.stravaSyncNow());
    if (done) {
      this.note = done.report ? describeSync(done.report) : 'A sync is already running; the garage updates when it ends.';
    }
    return done !== null;
  }

  async disconnect(): Promise<boolean> {
    const done = await this.act('disconnect', () => commands.stravaDisconnect());
    if (done) {
      const kept = done.rules_carried
        ? ` The wear they caused stays on ${plural(done.rules_carried, 'rule', 'rules')}.`
        : '';
      this.note = `Disconnected. ${plural(done.rides_deleted, 'ride', 'rides')} from Strava deleted.${kept}`;
      if (done.revoke_problem) {
        this.error = `Strava could not be told (${done.revoke_problem}); revoke Pedalwrencher at strava.com/settings/apps.`;
      }
    }
    return done !== null;
  }

  async setInterval(minutes: number): Promise<void> {
    const saved = await this.act('settings', () => commands.settingsSet({ strava: { sync_interval_minutes: minutes } }));
    if (saved) this.settings = saved;
    else await this.loadSettings();
  }

  /** Puts a ride on a bike; returns false (and says why) on failure. */
  async assign(ride: Ride, bikeId: string, bikeName: string): Promise<boolean> {
    if (this.assigning[ride.id]) return false;
    this.assigning[ride.id] = true;
    this.error = null;
    try {
      await commands.assignRide({ ride_id: ride.id, bike_id: bikeId });
      this.note = `${ride.name || 'Ride'} (${kilometres(ride.distance_m)}) now counts on ${bikeName}.`;
      return true;
    } catch (e) {
      this.error = errorMessage(e);
      return false;
    } finally {
      delete this.assigning[ride.id];
      await Promise.all([this.refresh(), store.reload()]);
    }
  }
}

export const strava = new StravaStore();
