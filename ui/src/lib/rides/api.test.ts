import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Ride_Serialize as Ride } from '../bindings';

const listRides = vi.fn();
vi.mock('../bindings', () => ({ commands: { listRides: (...a: unknown[]) => listRides(...a) } }));

const { ridesApi, matches } = await import('./api');

function ride(i: number, over: Partial<Ride> = {}): Ride {
  return {
    id: `r${i}`,
    source: 'manual',
    external_id: null,
    bike_id: 'b1',
    start_at: Date.UTC(2026, 0, 1) + i * 86_400_000,
    distance_m: 10_000,
    moving_time_s: 1800,
    elapsed_time_s: 1800,
    elevation_m: 50,
    energy_kj: null,
    sport_type: 'Ride',
    indoor: false,
    commute: false,
    name: `Ride ${i}`,
    source_gear_id: null,
    bike_chosen: false,
    utc_offset_s: null,
    ...over,
  };
}

describe('the rides list', () => {
  beforeEach(() => listRides.mockReset());

  it('pages one listing without asking again, and asks again when told to', async () => {
    listRides.mockResolvedValue(Array.from({ length: 250 }, (_, i) => ride(i)));
    const first = await ridesApi.page({ bike: 'b1' }, 0, 100, true);
    expect(first.total).toBe(250);
    expect(first.rides).toHaveLength(100);
    const last = await ridesApi.page({ bike: 'b1' }, 200, 100);
    expect(last.rides.map((r) => r.id)[0]).toBe('r200');
    expect(last.rides).toHaveLength(50);
    expect(listRides).toHaveBeenCalledTimes(1);
    expect(listRides).toHaveBeenCalledWith({ bike_id: 'b1', unassigned_only: false, limit: null });
    await ridesApi.page({ bike: 'b1' }, 0, 100, true);
    expect(listRides).toHaveBeenCalledTimes(2);
  });

  it('filters indoor, source and dates on what it has', () => {
    const r = ride(0, { indoor: true, source: 'strava', start_at: new Date('2026-03-10T12:00:00').getTime() });
    expect(matches(r, { indoor: true })).toBe(true);
    expect(matches(r, { indoor: false })).toBe(false);
    expect(matches(r, { source: 'manual' })).toBe(false);
    expect(matches(r, { from: '2026-03-10', to: '2026-03-10' })).toBe(true);
    expect(matches(r, { from: '2026-03-11' })).toBe(false);
    expect(matches(r, { unassigned: true })).toBe(false);
  });
});
