// The rider's display preferences: units (a device setting, shared with reminders and the CLI),
// the warning point new rules get (a device setting the window reads), and the theme (system,
// light or dark). The theme is kept in the window's own storage, not a device setting: it is this
// window's look; main.ts applies it before the app mounts (the CSP allows no inline script in
// index.html).

import { errorMessage } from '../api';
import type { Units } from '../bindings';
import { display } from '../format/display.svelte';
import { onSettingsChanged, settingsApi } from './api';

export type Theme = 'system' | 'light' | 'dark';
export const THEME_KEY = 'pedalwrencher.theme';

function readTheme(): Theme {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return t === 'light' || t === 'dark' ? t : 'system';
  } catch {
    return 'system';
  }
}

/** Puts the theme on <html data-theme>; "system" leaves it to prefers-color-scheme. */
export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

class SettingsStore {
  theme = $state<Theme>(typeof localStorage === 'undefined' ? 'system' : readTheme());
  /** The warning point new rules get (a fraction of their interval). */
  defaultWarnFraction = $state(0.8);
  /** Why the last change failed, shown next to the control. */
  unitsError = $state<string | null>(null);
  saving = $state(false);
  /** Listening for the back end's word that the settings changed (from the first load on). */
  private listening = false;

  get units(): Units {
    return display.units;
  }

  /**
   * Reads the device settings (the units) at start, and again whenever the back end says they
   * changed (a Strava sync set the units from the rider's Strava preference), so an open window
   * redraws in the units now set.
   */
  async load(): Promise<void> {
    if (!this.listening) {
      this.listening = true;
      onSettingsChanged(() => void this.load()).catch(() => (this.listening = false));
    }
    try {
      const s = await settingsApi.get();
      display.units = s.units;
      this.defaultWarnFraction = s.default_warn_fraction;
    } catch {
      // The garage banner says when the back end cannot be reached; metric meanwhile.
    }
  }

  async setUnits(units: Units): Promise<void> {
    const before = display.units;
    display.units = units;
    this.unitsError = null;
    this.saving = true;
    try {
      const s = await settingsApi.setUnits(units);
      display.units = s.units;
    } catch (e) {
      display.units = before;
      this.unitsError = errorMessage(e);
    } finally {
      this.saving = false;
    }
  }

  async setDefaultWarnFraction(fraction: number): Promise<void> {
    const s = await settingsApi.setDefaultWarnFraction(fraction);
    this.defaultWarnFraction = s.default_warn_fraction;
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    try {
      if (theme === 'system') localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, theme);
    } catch {
      // Private storage refused: the choice holds until the window closes.
    }
    applyTheme(theme);
  }
}

export const settings = new SettingsStore();
