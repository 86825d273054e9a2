import { describe, expect, it } from 'vitest';
import { parsePlace, placeHref, tabOf, type Place } from './places';

describe('addresses', () => {
  it('reads every place from its address and writes it back', () => {
    const places: Place[] = [
      { name: 'garage' },
      { name: 'bike', id: '0193-abc' },
      { name: 'component', id: 'c/1 2' },
      { name: 'rides' },
      { name: 'rides', bike: 'b1' },
      { name: 'rides', unassigned: true },
      { name: 'settings' },
      { name: 'settings', section: 'data' },
    ];
    for (const p of places) expect(parsePlace(placeHref(p))).toEqual(p);
  });

  it('opens the garage on an empty address and names an unknown one', () => {
    expect(parsePlace('')).toEqual({ name: 'garage' });
    expect(parsePlace('#/')).toEqual({ name: 'garage' });
    expect(parsePlace('#/nowhere/1')).toEqual({ name: 'unknown', address: '/nowhere/1' });
    expect(parsePlace('#/bike')).toEqual({ name: 'unknown', address: '/bike' });
  });

  it('puts a bike and a part under the Garage tab', () => {
    expect(tabOf({ name: 'bike', id: 'x' })).toBe('garage');
    expect(tabOf({ name: 'rides' })).toBe('rides');
  });
});
