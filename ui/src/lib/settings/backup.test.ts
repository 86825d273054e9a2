import { describe, expect, it } from 'vitest';

import { backupFileName, hasGarage } from './backup';

describe('Settings › Data', () => {
  it('offers a backup under today’s local date', () => {
    expect(backupFileName(new Date(2026, 11, 5, 23, 59))).toBe('pedalwrencher-2026-12-05.json');
    expect(backupFileName(new Date(2027, 0, 9, 0, 1))).toBe('pedalwrencher-2027-01-09.json');
  });

  it('asks before an import only when the garage has something in it', () => {
    expect(hasGarage(null)).toBe(true);
    expect(hasGarage({ bikes: [], shelf: [], unassigned_rides: 0 })).toBe(false);
    expect(hasGarage({ bikes: [{}], shelf: [], unassigned_rides: 0 })).toBe(true);
    expect(hasGarage({ bikes: [], shelf: [{}], unassigned_rides: 0 })).toBe(true);
    expect(hasGarage({ bikes: [], shelf: [], unassigned_rides: 3 })).toBe(true);
  });
});
