// Typed wrappers over the Rust commands (see src-tauri). One function per
// command; every command takes at most one top-level argument, `input`, whose
// keys are snake_case exactly as the Rust structs deserialize them.
//
// Units: ids are strings, times are UTC unix milliseconds, distances metres,
// durations seconds, elevation metres, energy kilojoules.

import { invoke } from '@tauri-apps/api/core';

export type Metric = 'distance_m' | 'moving_time_s' | 'rides' | 'elevation_m' | 'energy_kj' | 'days';
export type State = 'ok' | 'due_soon' | 'due';
export type RideFilter = 'all' | 'outdoor' | 'indoor';

export interface RuleStatus {
  rule_id: string;
  component_id: string;
  component: string;
  bike_id: string | null;
  bike: string | null;
  task: string;
  metric: Metric;
  interval: number;
  used: number;
  remaining: number;
  fraction: number;
  state: State;
  repeat: boolean;
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
  installed_at: number | null;
}

export interface AddRideInput {
  bike_id: string | null;
  start_at: number;
  distance_m: number;
  moving_time_s: number;
  elevation_m: number;
  indoor: boolean;
  name: string;
}

export interface MarkDoneInput {
  rule_id: string;
  done_at: number | null;
  notes: string;
}

export interface Created {
  id: string;
  name: string;
}

/** Bike kinds accepted by `add_bike`, in the order the form offers them. */
export const BIKE_KINDS = ['road', 'gravel', 'mtb', 'cx', 'tt', 'touring', 'city', 'ebike', 'other'] as const;
export type BikeKind = (typeof BIKE_KINDS)[number];

// ---------------------------------------------------------------------------
// Errors

export type CommandErrorKind = 'invalid' | 'not_found' | 'conflict' | 'storage';

/** What a failing command rejects with (the Rust error, serialized). */
export interface CommandError {
  kind: CommandErrorKind;
  message: string;
}

const ERROR_KINDS: readonly string[] = ['invalid', 'not_found', 'conflict', 'storage'];

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

/** Every active rule, most worn first. */
export const dueList = (): Promise<RuleStatus[]> => call<RuleStatus[]>('due_list');

export const presets = (): Promise<Preset[]> => call<Preset[]>('presets');

export const addBike = (input: AddBikeInput): Promise<Created> => call<Created>('add_bike', { input });

export const addComponent = (input: AddComponentInput): Promise<Created> =>
  call<Created>('add_component', { input });

export const addRide = (input: AddRideInput): Promise<{ id: string }> => call<{ id: string }>('add_ride', { input });

export const markDone = (input: MarkDoneInput): Promise<{ id: string }> =>
  call<{ id: string }>('mark_done', { input });

/** Loads the demo garage; `loaded` is false if it was already there. */
export const loadDemo = (): Promise<{ loaded: boolean }> => call<{ loaded: boolean }>('load_demo');
