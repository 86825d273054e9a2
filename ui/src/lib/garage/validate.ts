// The checks the garage's forms make before sending anything, each returning the words to show
// next to the field (or null when the value is fine). The core checks again; these only spare
// the rider a round trip and say it where they are looking.

import { dayInput, todayInput } from '../format/dates';

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

/** A bike's or part's name: required, at most 80 characters. */
export function nameError(name: string, what = 'name'): string | null {
  const n = name.trim();
  if (!n) return `Give it a ${what}.`;
  if (n.length > 80) return `Keep the ${what} under 80 characters (it has ${n.length}).`;
  return null;
}

/** A rule's interval, as typed: a number above zero. */
export function intervalError(typed: string): string | null {
  const v = parseNumber(typed);
  if (v === null) return 'Write the interval as a number, e.g. 3000.';
  if (v <= 0) return 'The interval must be more than zero.';
  return null;
}

/** The warning point as a percentage of the interval: 5 to 99 %. */
export function warnPercentError(typed: string): string | null {
  const v = parseNumber(typed);
  if (v === null) return 'Write the warning point as a percentage, e.g. 80.';
  if (v < 5 || v > 99) return 'The warning point must be between 5 % and 99 % of the interval.';
  return null;
}

/** Money typed as "12.50" or "12,50" → cents; "" → null; NaN when it cannot be read. */
export function parseCents(typed: string): number | null {
  const t = typed.trim();
  if (!t) return null;
  if (!/^\d{1,7}([.,]\d{1,2})?$/.test(t)) return Number.NaN;
  return Math.round(Number(t.replace(',', '.')) * 100);
}

export function costError(typed: string): string | null {
  const c = parseCents(typed);
  if (c !== null && Number.isNaN(c)) return 'Write the cost as a number, e.g. 24.90.';
  return null;
}

/** A day the rider picks for a job done or a move: a real day, not after today. */
export function pastDayError(typed: string, today: string = todayInput()): string | null {
  if (!typed.trim()) return null;
  const d = dayInput(typed);
  if (d === null) return 'Pick a date.';
  if (d > today) return 'That day has not come yet.';
  return null;
}

/** "3000", "3,000" (a thousands comma) or "2.5" / "2,5" (a decimal comma) → a number; null if not one. */
export function parseNumber(typed: string): number | null {
  let t = typed.trim().replace(/\s/g, '');
  if (!t) return null;
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) t = t.replace(/,/g, '');
  else if (/^\d+,\d+$/.test(t)) t = t.replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}
