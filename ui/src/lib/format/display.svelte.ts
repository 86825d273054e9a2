// How the rider wants figures shown: the unit system (a device setting, `display.units`) and the
// locale (the system's). Formatters read this when no system is passed, and since it is state,
// everything on screen is written again when the rider switches units.

import type { Units } from '../bindings';

export const display = $state<{ units: Units; locale: string | undefined }>({
  units: 'metric',
  // undefined: the locale the system gives the window.
  locale: undefined,
});
