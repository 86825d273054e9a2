// Conversions between <input type="date"> values (local calendar days) and
// the UTC unix milliseconds the back end stores.

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Today's local date as "YYYY-MM-DD" for a date input. */
export function todayInput(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function parseDay(value: string): [number, number, number] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const probe = new Date(y, mo - 1, d);
  if (probe.getFullYear() !== y || probe.getMonth() !== mo - 1 || probe.getDate() !== d) return null;
  return [y, mo, d];
}

/** Start (00:00 local) of the given day, in UTC ms; null if the value is empty or not a date. */
export function startOfDayMs(value: string): number | null {
  const p = parseDay(value);
  return p ? new Date(p[0], p[1] - 1, p[2], 0, 0, 0, 0).getTime() : null;
}

/**
 * When to say a ride on the given day started: local noon, or now if the day
 * is today and noon has not come yet (a ride never starts in the future).
 */
export function rideStartMs(value: string, now: number = Date.now()): number | null {
  const p = parseDay(value);
  if (!p) return null;
  const noon = new Date(p[0], p[1] - 1, p[2], 12, 0, 0, 0).getTime();
  return Math.min(noon, now);
}

/** "1:30" (h:mm) or "1.5" (hours) → seconds; "" → 0; null if it cannot be read. */
export function parseHoursMinutes(value: string): number | null {
  const v = value.trim();
  if (v === '') return 0;
  let m = /^(\d{1,3}):([0-5]\d)$/.exec(v);
  if (m) return Number(m[1]) * 3600 + Number(m[2]) * 60;
  m = /^\d{1,3}(?:[.,]\d+)?$/.exec(v);
  if (m) return Math.round(Number(v.replace(',', '.')) * 3600);
  return null;
}
