import { describe, expect, it } from 'vitest';
import { implausible } from './limits';

describe('impossible rides', () => {
  it('passes a long but real ride', () => {
    expect(implausible({ distance_m: 300_000, moving_time_s: 12 * 3600, elevation_m: 4000 }, 'metric')).toEqual([]);
  });

  it('names each number a ride cannot have', () => {
    const typo = implausible({ distance_m: 99_999_999_000, moving_time_s: 3600, elevation_m: 0 }, 'metric');
    expect(typo.some((r) => r.includes('more than a ride can be'))).toBe(true);
    expect(typo.some((r) => r.includes('faster than 100 km/h'))).toBe(true);
    expect(implausible({ distance_m: 10_000, moving_time_s: 99_999 * 3600, elevation_m: 0 }, 'metric')[0]).toMatch(/48 hours/);
    expect(implausible({ distance_m: 10_000, moving_time_s: 3600, elevation_m: 999_000 }, 'metric')[0]).toMatch(/50 m per km/);
  });

  it('speaks miles to an imperial rider', () => {
    expect(implausible({ distance_m: 2_000_000, moving_time_s: 100 * 3600, elevation_m: 0 }, 'imperial').join(' ')).toMatch(/mi/);
  });
});
