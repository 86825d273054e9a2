import { beforeEach, describe, expect, it, vi } from 'vitest';

// The back end: settings as read from the file, and the settings-changed event.
let fileUnits: 'metric' | 'imperial' = 'metric';
let changed: (() => void) | null = null;
vi.mock('../bindings', () => ({
  commands: {
    settingsGet: async () => ({ units: fileUnits, default_warn_fraction: 0.8 }),
  },
  events: {
    settingsChanged: {
      listen: async (f: () => void) => {
        changed = f;
        return () => (changed = null);
      },
    },
    backupProgress: { listen: async () => () => {} },
  },
}));
vi.mock('@tauri-apps/plugin-dialog', () => ({ open: vi.fn(), save: vi.fn() }));

const { settings } = await import('./store.svelte');

describe('the settings store', () => {
  beforeEach(() => {
    fileUnits = 'metric';
  });

  it('reads the units again when the back end says the settings changed (Strava set them)', async () => {
    await settings.load();
    expect(settings.units).toBe('metric');
    expect(changed).not.toBeNull();

    fileUnits = 'imperial';
    changed?.();
    await vi.waitFor(() => expect(settings.units).toBe('imperial'));
  });
});
