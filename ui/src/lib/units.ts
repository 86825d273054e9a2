// Display formatting of the SI values the back end sends.
//
// Every metric has its own formatter, looked up by the metric's name, per unit
// system. Only metric exists today; an imperial table can be added beside it
// without touching the callers (they pass the system they want, or rely on the
// default).

import type { Metric } from './bindings';

export type UnitSystem = 'metric';
export type Formatter = (value: number) => string;

/** Fixed so numbers read "1,234" whatever the machine's locale. */
const LOCALE = 'en-GB';

const int = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });

function finite(v: number): number {
  return Number.isFinite(v) ? v : 0;
}

function plural(n: number, one: string, many: string): string {
  return `${int.format(n)} ${Math.abs(n) === 1 ? one : many}`;
}

/** Metres → "0.4 km", "9.5 km", "1,234 km". */
export function kilometres(m: number): string {
  const km = finite(m) / 1000;
  if (km === 0) return '0 km';
  return `${Math.abs(km) < 10 ? oneDecimal.format(km) : int.format(km)} km`;
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
  if (h >= 100 || m === 0) return `${int.format(h)} h`;
  return `${h} h ${m} m`;
}

/** Ride count → "1 ride", "12 rides". */
export function rides(n: number): string {
  return plural(Math.round(finite(n)), 'ride', 'rides');
}

/** Metres of climbing → "1,234 m". */
export function elevation(m: number): string {
  return `${int.format(finite(m))} m`;
}

/** Kilojoules → "12,345 kJ". */
export function energy(kj: number): string {
  return `${int.format(finite(kj))} kJ`;
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
};

/** Formats one value of the given metric, e.g. formatMetric('distance_m', 1234000) → "1,234 km". */
export function formatMetric(metric: Metric, value: number, system: UnitSystem = 'metric'): string {
  const f = FORMATTERS[system][metric];
  return f ? f(value) : int.format(finite(value));
}

/** "used / interval", e.g. "3,760 km / 5,000 km". */
export function formatUsage(metric: Metric, used: number, interval: number, system: UnitSystem = 'metric'): string {
  return `${formatMetric(metric, used, system)} / ${formatMetric(metric, interval, system)}`;
}

/** "1,240 km left", "due now" or "overdue by 200 km". */
export function formatRemaining(metric: Metric, remaining: number, system: UnitSystem = 'metric'): string {
  const r = finite(remaining);
  if (r > 0) return `${formatMetric(metric, r, system)} left`;
  if (r === 0) return 'due now';
  return `overdue by ${formatMetric(metric, -r, system)}`;
}

/** "every 5,000 km", "every 365 days". */
export function formatInterval(metric: Metric, interval: number, system: UnitSystem = 'metric'): string {
  return `every ${formatMetric(metric, interval, system)}`;
}

const dateFmt = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', year: 'numeric' });

/** UTC unix ms → "12 Mar 2026" in the local time zone. */
export function formatDate(ms: number): string {
  return dateFmt.format(new Date(ms));
}
