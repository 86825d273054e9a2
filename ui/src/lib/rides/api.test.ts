import { beforeEach, describe, expect, it, vi } from 'vitest';

const ridesPage = vi.fn();
vi.mock('../bindings', () => ({ commands: { ridesPage: (...a: unknown[]) => ridesPage(...a) } }));

const { ridesApi, toQuery } = await import('./api');

describe('the rides list', () => {
  beforeEach(() => ridesPage.mockReset());

  it('asks the core for one page with the filters, and gives its total', async () => {
    ridesPage.mockResolvedValue({ rides: [], total: 250 });
    const p = await ridesApi.page({ bike: 'b1' }, 200, 100);
    expect(p.total).toBe(250);
    expect(ridesPage).toHaveBeenCalledTimes(1);
    expect(ridesPage).toHaveBeenCalledWith({
      bike: 'b1',
      unassigned_only: false,
      flagged_only: false,
      indoor: null,
      source: null,
      from: null,
      until: null,
      offset: 200,
      limit: 100,
    });
  });

  it('turns typed days into instants, the last day included', () => {
    const q = toQuery({ from: '2026-03-10', to: '2026-03-10', indoor: true, source: 'strava' }, 0, 50);
    expect(q.from).toBe(new Date('2026-03-10T00:00:00').getTime());
    expect(q.until).toBe(new Date('2026-03-10T00:00:00').getTime() + 86_400_000);
    expect(q.indoor).toBe(true);
    expect(q.source).toBe('strava');
  });

  it('lists the unassigned rides whatever bike was picked, and only flagged ones when asked', () => {
    const q = toQuery({ bike: 'b1', unassigned: true, flagged: true }, 0, 50);
    expect(q.bike).toBeNull();
    expect(q.unassigned_only).toBe(true);
    expect(q.flagged_only).toBe(true);
  });
});
