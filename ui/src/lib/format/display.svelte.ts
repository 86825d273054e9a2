// How the rider wants figures shown: the unit system (a device setting, `display.units`) and the
// locale (the system's). Formatters read this when no system is passed, and since it is state,
// everything on screen is written again when the rider switches units.

import type { Units } from '../bindings';

/**
 * The first of the window's languages that Intl knows ("de-DE" → "1.234 km"); English when
 * there is none (a bare "C" system locale would otherwise write "2500" without a separator).
 */
export function pickLocale(languages: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages): string {
  try {
    const known = Intl.NumberFormat.supportedLocalesOf(languages.filter((l) => /^[a-z]{2,3}(-|$)/i.test(l)));
    if (known.length) return known[0];
  } catch {
    // A malformed tag: fall through to the default.
  }
  return 'en-GB';
}

export const display = $state<{ units: Units; locale: string }>({
  units: 'metric',
  locale: pickLocale(),
});
