// Display formatting of the SI values the back end sends, in the rider's units and locale.
//
// Every metric has its own formatter, looked up by the metric's name, per unit system. Callers
// pass the system they want or rely on the rider's choice (display.svelte.ts). Numbers are
// grouped the locale's way ("1,234" in English, "1.234" in German).

import type { Metric, Units } from '../bindings';
import { display } from './display.svelte';

export type UnitSystem = Units;
export type Formatter = (value: number) => string;

export const METRES_PER_MILE = 1609.344;
export const METRES_PER_FOOT = 0.3048;

const kept = new Map<string, unknown>();

/**
 * The formatter named `what` for the rider's locale, made once per locale and kept: building one
 * takes about a millisecond, and a dashboard formats hundreds of figures.
 */
function keep<T>(what: string, make: (locale: string) => T): T {
  const key = `${what}|${display.locale}`;
  let f = kept.get(key) as T | undefined;
  if (f === undefined) {
    f = make(display.locale);
    kept.set(key, f);
  }
  return f;
}

function numberFormat(maxDigits: number): Intl.NumberFormat {
  return keep(`number ${maxDigits}`, (locale) => new Intl.NumberFormat(locale, { maximumFractionDigits: maxDigits }));
}

function finite(v: number): number {
  return Number.isFinite(v) ? v : 0;
}

/** A whole number the locale's way: 1234 → "1,234". */
export function formatInteger(n: number): string {
  return numberFormat(0).format(finite(n));
}

/** A number with at most `digits` decimals, the locale's way. */
export function formatNumber(n: number, digits = 1): string {
  return numberFormat(digits).format(finite(n));
}

function plural(n: number, one: string, many: string): string {
  return `${formatInteger(n)} ${Math.abs(n) === 1 ? one : many}`;
}

/** Below 10, one decimal ("9.5"); from there whole numbers ("1,234"). */
function scaled(v: number): string {
  return Math.abs(v) < 10 ? formatNumber(v, 1) : formatInteger(v);
}

/** Metres → "0.4 km", "9.5 km", "1,234 km". */
export function kilometres(m: number): string {
  const km = finite(m) / 1000;
  if (km === 0) return '0 km';
  return `${scaled(km)} km`;
}

/** Metres → "0.4 mi", "9.5 mi", "1,234 mi". */
export function miles(m: number): string {
  const mi = finite(m) / METRES_PER_MILE;
  if (mi === 0) return '0 mi';
  return `${scaled(mi)} mi`;
}

/** Seconds → "45 m", "12 h 30 m", "1,234 h". */
export function duration(s: number): string {
  const secs = Math.max(0, finite(s));
  if (secs === 0) return '0 m';
  if (secs < 60) return '< 1 m';
  const totalMin = Math.round(secs / 60);
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  if (h === 0) return `${m} m`;
  if (h >= 100 || m === 0) return `${formatInteger(h)} h`;
  return `${h} h ${m} m`;
}

/** Ride count → "1 ride", "12 rides". */
export function rides(n: number): string {
  return plural(Math.round(finite(n)), 'ride', 'rides');
}

/** Metres of climbing → "1,234 m". */
export function elevation(m: number): string {
  return `${formatInteger(m)} m`;
}

/** Metres of climbing → "4,049 ft". */
export function feet(m: number): string {
  return `${formatInteger(finite(m) / METRES_PER_FOOT)} ft`;
}

/** Kilojoules → "12,345 kJ". */
export function energy(kj: number): string {
  return `${formatInteger(kj)} kJ`;
}

/** Days → "1 day", "30 days". */
export function days(d: number): string {
  return plural(Math.round(finite(d)), 'day', 'days');
}

const FORMATTERS: Record<UnitSystem, Record<Metric, Formatter>> = {
  metric: {
    distance_m: kilometres,
    moving_time_s: duration,
    rides,
    elevation_m: elevation,
    energy_kj: energy,
    days,
  },
  imperial: {
    distance_m: miles,
    moving_time_s: duration,
    rides,
    elevation_m: feet,
    energy_kj: energy,
    days,
  },
};

/** Formats one value of the given metric, e.g. formatMetric('distance_m', 1234000) → "1,234 km". */
export function formatMetric(metric: Metric, value: number, system: UnitSystem = display.units): string {
  const f = FORMATTERS[system]?.[metric];
  return f ? f(value) : formatInteger(value);
}

/** "used / interval", e.g. "3,760 km / 5,000 km". */
export function formatUsage(metric: Metric, used: number, interval: number, system: UnitSystem = display.units): string {
  return `${formatMetric(metric, used, system)} / ${formatMetric(metric, interval, system)}`;
}

/** "1,240 km left", "due now" or "overdue by 200 km". */
export function formatRemaining(metric: Metric, remaining: number, system: UnitSystem = display.units): string {
  const r = finite(remaining);
  if (r > 0) return `${formatMetric(metric, r, system)} left`;
  if (r === 0) return 'due now';
  return `overdue by ${formatMetric(metric, -r, system)}`;
}

/** "every 5,000 km", "every 365 days". */
export function formatInterval(metric: Metric, interval: number, system: UnitSystem = display.units): string {
  return `every ${formatMetric(metric, interval, system)}`;
}

/** The unit a distance is typed in: "km" or "mi". */
export function distanceUnit(system: UnitSystem = display.units): 'km' | 'mi' {
  return system === 'imperial' ? 'mi' : 'km';
}

/** The unit a climb is typed in: "m" or "ft". */
export function elevationUnit(system: UnitSystem = display.units): 'm' | 'ft' {
  return system === 'imperial' ? 'ft' : 'm';
}

/** A distance typed in the rider's unit → metres. */
export function distanceToMetres(typed: number, system: UnitSystem = display.units): number {
  return typed * (system === 'imperial' ? METRES_PER_MILE : 1000);
}

/** Metres → the number a field shows in the rider's unit (for editing). */
export function metresToDistance(m: number, system: UnitSystem = display.units): number {
  return m / (system === 'imperial' ? METRES_PER_MILE : 1000);
}

/** A climb typed in the rider's unit → metres. */
export function elevationToMetres(typed: number, system: UnitSystem = display.units): number {
  return system === 'imperial' ? typed * METRES_PER_FOOT : typed;
}

/** A value of `metric` typed in the rider's unit → the stored unit (metres, seconds, …). */
export function metricToStored(metric: Metric, typed: number, system: UnitSystem = display.units): number {
  switch (metric) {
    case 'distance_m':
      return distanceToMetres(typed, system);
    case 'elevation_m':
      return elevationToMetres(typed, system);
    case 'moving_time_s':
      return typed * 3600;
    default:
      return typed;
  }
}

/** A stored value of `metric` → the number a field shows (km or mi, h, m or ft, …). */
export function storedToMetric(metric: Metric, stored: number, system: UnitSystem = display.units): number {
  switch (metric) {
    case 'distance_m':
      return metresToDistance(stored, system);
    case 'elevation_m':
      return system === 'imperial' ? stored / METRES_PER_FOOT : stored;
    case 'moving_time_s':
      return stored / 3600;
    default:
      return stored;
  }
}

/** The unit a rule's interval is typed in. */
export function metricUnit(metric: Metric, system: UnitSystem = display.units): string {
  switch (metric) {
    case 'distance_m':
      return distanceUnit(system);
    case 'elevation_m':
      return elevationUnit(system);
    case 'moving_time_s':
      return 'hours';
    case 'energy_kj':
      return 'kJ';
    case 'rides':
      return 'rides';
    case 'days':
      return 'days';
  }
}

/** UTC unix ms → "12 Mar 2026" (the locale's order) in the local time zone. */
export function formatDate(ms: number): string {
  return keep('date', (locale) => new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric' })).format(
    new Date(ms),
  );
}

/** Cents → "€12.50"-like money without a currency we do not know: "12.50". */
export function formatMoney(cents: number): string {
  return keep(
    'money',
    (locale) => new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  ).format(finite(cents) / 100);
}
