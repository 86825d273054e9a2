// The forecast of a rule in words: how long until it is due at the rider's recent pace. The core
// computes `forecast_days` (days, fractions allowed; 0 when already due; null when unknown, e.g. a
// part not ridden in the last 8 weeks); the window only words it.

import { formatInteger } from './units';

/** "due in about 12 days at your recent pace"; null when there is nothing to say. */
export function forecastWords(days: number | null | undefined, calendar = false): string | null {
  if (days === null || days === undefined || !Number.isFinite(days) || days < 0) return null;
  if (days === 0) return null; // Already due: the state says so.
  const pace = calendar ? '' : ' at your recent pace';
  if (days < 1) return `due within a day${pace}`;
  if (days < 1.5) return `due in about a day${pace}`;
  if (days < 14) return `due in about ${formatInteger(Math.round(days))} days${pace}`;
  if (days < 60) return `due in about ${formatInteger(Math.round(days / 7))} weeks${pace}`;
  if (days < 730) return `due in about ${formatInteger(Math.round(days / 30.44))} months${pace}`;
  return `due in more than ${formatInteger(Math.floor(days / 365.25))} years${pace}`;
}
