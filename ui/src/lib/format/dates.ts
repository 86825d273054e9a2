// Dates typed in <input type="date"> (local calendar days, "YYYY-MM-DD"), and
// durations typed as h:mm.
//
// Which instant a typed day means (today = now; a ride at noon, a service at
// the end of the day, a mounting at its start; no day after today) is decided
// by the core, the same for the CLI and the window: the UI sends the day as
// typed and only checks that it is one.

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Today's local date as "YYYY-MM-DD" for a date input. */
export function todayInput(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The value as "YYYY-MM-DD" if it is a real calendar day, else null. */
export function dayInput(value: string): string | null {
  const v = value.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const probe = new Date(y, mo - 1, d);
  if (probe.getFullYear() !== y || probe.getMonth() !== mo - 1 || probe.getDate() !== d) return null;
  return v;
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

// Made when first used, not when the bundle loads: building one costs about a millisecond.
let clockFmt: Intl.DateTimeFormat | null = null;
let dayMonthFmt: Intl.DateTimeFormat | null = null;

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** UTC ms → "Today 14:05", "Yesterday 14:05", "Tomorrow 09:00" or "12 Jun, 14:05", local time. */
export function formatMoment(ms: number, now: Date = new Date()): string {
  const d = new Date(ms);
  clockFmt ??= new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
  const clock = clockFmt.format(d);
  const day = 24 * 3600 * 1000;
  if (sameDay(d, now)) return `Today ${clock}`;
  if (sameDay(d, new Date(now.getTime() - day))) return `Yesterday ${clock}`;
  if (sameDay(d, new Date(now.getTime() + day))) return `Tomorrow ${clock}`;
  dayMonthFmt ??= new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' });
  return `${dayMonthFmt.format(d)}, ${clock}`;
}

/** How far ahead an instant is: "now", "in 4 min", "in 2 h 10 min", "in 3 days". */
export function formatFromNow(ms: number, now: Date = new Date()): string {
  const min = Math.round((ms - now.getTime()) / 60000);
  if (min <= 0) return 'now';
  if (min < 60) return `in ${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `in ${h} h ${min % 60} min` : `in ${h} h`;
  return `in ${Math.round(h / 24)} days`;
}
