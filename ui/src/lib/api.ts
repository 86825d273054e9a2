// Typed wrappers over the Rust commands (see src-tauri). One function per
// command; every command takes at most one top-level argument, `input`, whose
// keys are snake_case exactly as the Rust structs deserialize them.
//
// Units: ids are strings, times are UTC unix milliseconds, distances metres,
// durations seconds, elevation metres, energy kilojoules.
//
// Dates the rider picks are sent as typed ("YYYY-MM-DD", see `Day`): the core
// decides which instant of that day is meant (the same rule as the CLI's).

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

export type Metric = 'distance_m' | 'moving_time_s' | 'rides' | 'elevation_m' | 'energy_kj' | 'days';
export type State = 'ok' | 'due_soon' | 'due';
export type RideFilter = 'all' | 'outdoor' | 'indoor';

/**
 * A local calendar day as typed in a date input, "YYYY-MM-DD". The core resolves it: today means
 * now; a past day means the instant that fits what happened (a ride at noon, a service at the end
 * of the day, a mounting at its start); a day after today is refused.
 */
export type Day = string;

/** A date sent to the core: a typed day, or an exact instant in UTC ms. */
export type When = Day | number;

export interface RuleStatus {
  rule_id: string;
  component_id: string;
  component: string;
  component_kind: string;
  /** null when the part is on the shelf. */
  bike_id: string | null;
  bike: string | null;
  /**
   * False when the part is on a retired bike: its state is still shown as it stands, but it
   * never reminds (it is left out of "Needs attention").
   */
  active: boolean;
  task: string;
  metric: Metric;
  interval: number;
  used: number;
  /** Negative once overdue. */
  remaining: number;
  fraction: number;
  state: State;
  warn_fraction: number;
  repeat: boolean;
  filter: RideFilter;
  /** Moves on every service and on the undo of the latest one. */
  epoch: number;
  /** Whole intervals used since the last service (repeating rules); 0 for one-off rules. */
  cycle: number;
  snoozed_until: number | null;
  last_service_at: number | null;
}

export interface ComponentView {
  id: string;
  kind: string;
  name: string;
  brand: string;
  model: string;
  installed_at: number | null;
  /** The worst state of its rules ('ok' when it has none). */
  state: State;
  /** False on a retired bike: shown as it stands, but it never reminds. */
  active: boolean;
  rules: RuleStatus[];
}

export interface BikeView {
  id: string;
  name: string;
  kind: string;
  strava_gear_id: string | null;
  retired: boolean;
  notes: string;
  rides: number;
  distance_m: number;
  moving_time_s: number;
  components: ComponentView[];
}

export interface Garage {
  bikes: BikeView[];
  /** Components in service that are mounted on no bike. */
  shelf: ComponentView[];
  unassigned_rides: number;
}

export interface PresetRule {
  task: string;
  metric: Metric;
  interval: number;
  filter: RideFilter;
}

export interface Preset {
  kind: string;
  label: string;
  rules: PresetRule[];
}

export interface AddBikeInput {
  name: string;
  kind: string;
}

export interface AddComponentInput {
  bike_id: string;
  kind: string;
  name: string | null;
  /** When it was mounted; null means now. */
  installed_at: When | null;
}

export interface AddRideInput {
  bike_id: string | null;
  start_at: When;
  distance_m: number;
  moving_time_s: number;
  elevation_m: number;
  indoor: boolean;
  name: string;
}

export interface MarkDoneInput {
  rule_id: string;
  /** null means now. */
  done_at: When | null;
  cost_cents?: number | null;
  notes: string;
}

/** A rule's task marked done. */
export interface Service {
  id: string;
  rule_id: string;
  done_at: number;
  cost_cents: number | null;
  notes: string;
}

export interface DeleteServiceInput {
  service_id: string;
}

/** What deleting a service changed. */
export interface Undone {
  service: Service;
  /** The rule's epoch afterwards. */
  epoch: number;
}

export interface MountInput {
  component_id: string;
  bike_id: string;
  at: When;
}

export interface Installation {
  id: string;
  component_id: string;
  bike_id: string;
  installed_at: number;
  removed_at: number | null;
}

export interface Created {
  id: string;
  name: string;
}

// ---------------------------------------------------------------------------
// Strava

export type StravaHealth = 'disconnected' | 'ok' | 'offline' | 'rate_limited' | 'reconnect_needed' | 'error';

/** Usage or limit in Strava's short (15-minute) window and the day. */
export interface RatePair {
  short: number;
  daily: number;
}

/** Strava's rate-limit usage as of the last response. */
export interface Budget {
  read_usage: RatePair;
  read_limit: RatePair;
  overall_usage: RatePair;
  overall_limit: RatePair;
  seen_at: number;
}

/** The connection as the Strava section shows it (the core's overview and this window's state). */
export interface StravaStatus {
  client_id: string | null;
  athlete_id: number | null;
  athlete_name: string | null;
  connected_at: number | null;
  status: StravaHealth;
  /** Why the last pass failed, in the rider's words. */
  status_detail: string | null;
  last_attempt_at: number | null;
  last_success_at: number | null;
  next_attempt_at: number | null;
  history_complete: boolean;
  paused_until: number | null;
  /** One line for the header: "Synced 14:05", "Offline — will retry at 14:10", … */
  summary: string;
  /** Strava rides in this garage. */
  rides: number;
  unassigned_rides: number;
  budget: Budget | null;
  /** Configured by environment variables (a headless server), not by connecting here. */
  from_environment: boolean;
  /** Waiting for the rider to approve on Strava's page. */
  connecting: boolean;
  authorize_url: string | null;
  /** Why the last connection attempt failed, until the next one. */
  connect_error: string | null;
  /** A sync pass is running now. */
  syncing: boolean;
}

export interface ConnectInput {
  client_id: string;
  client_secret: string;
}

export interface ConnectStarted {
  authorize_url: string;
  /** False when no browser could be started: the rider copies the address. */
  opened: boolean;
}

export interface SyncChanges {
  bikes_added: number;
  bikes_renamed: number;
  rides_added: number;
  rides_updated: number;
  rides_deleted: number;
  rides_restored: number;
  not_rides: number;
  unreadable: number;
}

export interface SyncReport extends SyncChanges {
  requests: number;
  history_complete: boolean;
}

export interface SyncNow {
  /** False when a sync was already running (its end reloads the window anyway). */
  ran: boolean;
  report: SyncReport | null;
}

export interface Disconnected {
  revoked: boolean;
  revoke_problem: string | null;
  rides_deleted: number;
  rules_carried: number;
}

export type RideSource = 'strava' | 'manual' | 'file';

export interface Ride {
  id: string;
  source: RideSource;
  external_id: string | null;
  bike_id: string | null;
  start_at: number;
  distance_m: number;
  moving_time_s: number;
  elevation_m: number;
  sport_type: string;
  indoor: boolean;
  name: string;
}

export interface AssignRideInput {
  ride_id: string;
  bike_id: string;
}

/** This device's settings (settings.json in the data folder). */
export interface Settings {
  sync_interval_minutes: number;
}

/** Bike kinds accepted by `add_bike`, in the order the form offers them. */
export const BIKE_KINDS = ['road', 'gravel', 'mtb', 'cx', 'tt', 'touring', 'city', 'ebike', 'other'] as const;
export type BikeKind = (typeof BIKE_KINDS)[number];

// ---------------------------------------------------------------------------
// Errors

export type CommandErrorKind = 'invalid' | 'not_found' | 'conflict' | 'storage' | 'remote';

/** What a failing command rejects with (the Rust error, serialized). */
export interface CommandError {
  kind: CommandErrorKind;
  message: string;
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

// ---------------------------------------------------------------------------
// Commands

function hasBridge(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  if (!hasBridge()) {
    const err: CommandError = {
      kind: 'storage',
      message: 'The Pedalwrencher back end is not available (is the app running inside Tauri?).',
    };
    throw err;
  }
  return invoke<T>(cmd, args);
}

export const garage = (): Promise<Garage> => call<Garage>('garage');

/** Every rule of every component in service (on a bike or on the shelf), most worn first. */
export const dueList = (): Promise<RuleStatus[]> => call<RuleStatus[]>('due_list');

export const presets = (): Promise<Preset[]> => call<Preset[]>('presets');

export const addBike = (input: AddBikeInput): Promise<Created> => call<Created>('add_bike', { input });

export const addComponent = (input: AddComponentInput): Promise<Created> =>
  call<Created>('add_component', { input });

export const addRide = (input: AddRideInput): Promise<{ id: string }> => call<{ id: string }>('add_ride', { input });

export const markDone = (input: MarkDoneInput): Promise<Service> => call<Service>('mark_done', { input });

/** Deletes a service (the Undo after Done): the rule's wear goes back to what it was. */
export const deleteService = (input: DeleteServiceInput): Promise<Undone> =>
  call<Undone>('delete_service', { input });

/** Mounts a part from the shelf on a bike. */
export const mountComponent = (input: MountInput): Promise<Installation> =>
  call<Installation>('mount_component', { input });

/** Loads the demo garage; `loaded` is false if it was already there. */
export const loadDemo = (): Promise<{ loaded: boolean }> => call<{ loaded: boolean }>('load_demo');

/** The Strava connection, sync health and rate-limit usage. */
export const stravaStatus = (): Promise<StravaStatus> => call<StravaStatus>('strava_status');

/** Opens Strava's page in the browser and waits for the rider in the background. */
export const stravaConnect = (input: ConnectInput): Promise<ConnectStarted> =>
  call<ConnectStarted>('strava_connect', { input });

/** Stops waiting for Strava's page; false if nothing was waiting. */
export const stravaCancelConnect = (): Promise<boolean> => call<boolean>('strava_cancel_connect');

export const stravaSyncNow = (): Promise<SyncNow> => call<SyncNow>('strava_sync_now');

/** Revokes at Strava and deletes its rides; the wear they caused is kept. */
export const stravaDisconnect = (): Promise<Disconnected> => call<Disconnected>('strava_disconnect');

/** Rides no bike counts, newest first. */
export const unassignedRides = (): Promise<Ride[]> => call<Ride[]>('unassigned_rides');

export const assignRide = (input: AssignRideInput): Promise<Ride> => call<Ride>('assign_ride', { input });

export const settingsGet = (): Promise<Settings> => call<Settings>('settings_get');

/** Changes the Strava sync interval (and nothing else in the settings). */
export const settingsSet = (input: { sync_interval_minutes: number }): Promise<Settings> =>
  call<Settings>('settings_set', { input });

// ---- Devices ----------------------------------------------------------------

/** Another device of the rider's that syncs this garage. Times are UTC ms. */
export interface OtherDevice {
  device_id: string;
  name: string | null;
  /** When this device last read one of its files. */
  last_seen_at: number | null;
  /** When it says it last synced (its own clock). */
  reported_at: number | null;
  files_read: number;
}

/** Something sync has to tell the rider (a repair, a device whose clock is far ahead). */
export interface SyncNotice {
  id: number;
  kind: 'repair' | 'clock' | string;
  message: string;
  created_at: number;
}

export interface DevicesStatus {
  device_id: string;
  vault_id: string | null;
  last_attempt_at: number | null;
  last_ok_at: number | null;
  /** The last pass's error, until a pass succeeds. */
  last_error: string | null;
  /** Changes made here and not sent yet. */
  pending_changes: number;
  held_rows: number;
  quarantined: number;
  forwarding_device: string | null;
  this_device_forwards: boolean;
  devices: OtherDevice[];
  notices: SyncNotice[];
  set_up: boolean;
  /** Where this device syncs to, without any password. */
  target: string | null;
  from_environment: boolean;
  syncing: boolean;
  /** The name the rider chose; "" means the computer's name. */
  chosen_name: string;
  /** The name the other devices see. */
  device_name: string;
  devices_sync_minutes: number;
}

export interface DevicesReport {
  vault_created: boolean;
  joined_from: string | null;
  pushed_files: number;
  pulled_files: number;
  applied: { fields: number; rows_created: number; held: number; quarantined: number; repairs: string[] };
  skipped: string[];
  devices: number;
}

export interface DevicesSynced {
  /** False when a sync was already running; the window updates when it ends. */
  ran: boolean;
  report: DevicesReport | null;
  status: DevicesStatus;
}

export const devicesStatus = (): Promise<DevicesStatus> => call<DevicesStatus>('devices_status');

/** Tries the target and passphrase with a sync at once; they are kept only if it works. */
export const devicesSetUp = (input: { url: string; passphrase: string }): Promise<DevicesSynced> =>
  call<DevicesSynced>('devices_set_up', { input });

export const devicesSyncNow = (): Promise<DevicesSynced> => call<DevicesSynced>('devices_sync_now');

/** Stops syncing on this device; the garage and the other devices keep everything. */
export const devicesForget = (): Promise<DevicesStatus> => call<DevicesStatus>('devices_forget');

export const devicesSetName = (input: { name: string }): Promise<DevicesStatus> =>
  call<DevicesStatus>('devices_set_name', { input });

/** How often this device syncs in the background, in minutes (1 to 1440). */
export const devicesSetInterval = (input: { minutes: number }): Promise<DevicesStatus> =>
  call<DevicesStatus>('devices_set_interval', { input });

/** Chooses the one device that sends email and SMS reminders. */
export const devicesSetForwarding = (input: { device_id: string }): Promise<DevicesStatus> =>
  call<DevicesStatus>('devices_set_forwarding', { input });

export const devicesDismissNotice = (input: { id: number }): Promise<DevicesStatus> =>
  call<DevicesStatus>('devices_dismiss_notice', { input });

/**
 * Calls `onChange` when the back end says the garage may have changed (a sync ended) or only the
 * Strava or device-sync status did. Returns the function that stops listening.
 */
export async function onBackendChange(
  onChange: (what: 'garage' | 'strava' | 'devices') => void,
): Promise<() => void> {
  if (!hasBridge()) return () => {};
  const stops: UnlistenFn[] = await Promise.all([
    listen('garage-changed', () => onChange('garage')),
    listen('strava-changed', () => onChange('strava')),
    listen('devices-changed', () => onChange('devices')),
  ]);
  return () => stops.forEach((stop) => stop());
}
// ---- Notifications ----------------------------------------------------------

export type Channel = 'notification' | 'email' | 'sms';
export type SmtpSecurity = 'starttls' | 'tls' | 'plain';

/** The device settings (settings.json); secrets are never part of them. */
export interface Settings {
  sync_interval_minutes: number;
  units: string;
  notify_native: boolean;
  notify_email: boolean;
  notify_sms: boolean;
  nag_days: number;
  email_to: string | null;
  email_from: string | null;
  smtp_host: string | null;
  smtp_port: number | null;
  smtp_security: SmtpSecurity;
  smtp_user: string | null;
  email_digest: boolean;
  digest_hour: number;
  sms_to: string | null;
  sms_from: string | null;
  twilio_account_sid: string | null;
}

export interface NotificationSettings {
  settings: Settings;
  smtp_password_set: boolean;
  twilio_token_set: boolean;
  /** Where secrets are kept: "the OS keyring" or a file path. */
  secrets_in: string | null;
  /** Environment variables that override what is typed here. */
  env_overrides: string[];
}

export interface ChannelHealth {
  channel: Channel;
  pending: number;
  failed: number;
  sent: number;
  last_sent_at: number | null;
  last_error: string | null;
}

export interface Failing {
  channel: Channel;
  failed: number;
  reason: string;
  /** "Email reminders are failing: <reason>. Check Notifications settings." */
  message: string;
}

/** What the rider can do about a problem, as the core says it; the window words it (`advice.ts`). */
export type Advice =
  | { kind: 'connect_strava' }
  | { kind: 'reconnect_strava' }
  | { kind: 'check_strava_sync' }
  | { kind: 'wait_for_strava_limit' }
  | { kind: 'check_channel'; channel: string }
  | { kind: 'check_sync_target' }
  | { kind: 'set_up_sync_again' }
  | { kind: 'restart_server' }
  | { kind: 'start_the_app' };

/** A watchdog problem (stale Strava sync, reconnect needed, rate limit, a stopped loop). */
export interface Episode {
  id: string;
  kind: string;
  subject: string;
  title: string;
  banner: string;
  advice: Advice;
  opened_at: number;
}

export interface Health {
  channels: ChannelHealth[];
  failing: Failing[];
  problems: Episode[];
}

export interface TestOutcome {
  ok: boolean;
  /** auth_failed, connection_refused, certificate_not_trusted, bad_number, not_configured, unreachable, rejected */
  kind: string | null;
  message: string;
}

export interface CycleSummary {
  new_reminders: number;
  sent: number;
  retrying: number;
  failed: number;
}

export const notificationSettings = (): Promise<NotificationSettings> =>
  call<NotificationSettings>('notification_settings');

export const saveNotificationSettings = (input: Settings): Promise<Settings> =>
  call<Settings>('save_notification_settings', { input });

/** Stores (or, with an empty value, forgets) the SMTP password or the Twilio auth token. */
export const setSecret = (input: { key: 'smtp_password' | 'twilio_auth_token'; value: string }): Promise<void> =>
  call<void>('set_secret', { input });

export const sendTest = (channel: Channel): Promise<TestOutcome> =>
  call<TestOutcome>('send_test', { input: { channel } });

export const deliveryHealth = (): Promise<Health> => call<Health>('delivery_health');

export const retryFailed = (channel: Channel): Promise<number> => call<number>('retry_failed', { input: { channel } });

/** Evaluates the rules and delivers what is due, now. */
export const checkNow = (): Promise<CycleSummary> => call<CycleSummary>('check_now');
