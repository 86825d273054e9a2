import { describe, expect, it } from 'vitest';
import { FIRST_READS_KEY, takeFirstReads } from './firstReads';

describe('takeFirstReads', () => {
  it('gives the start-up reads once, then none', async () => {
    const reads = {
      garage: Promise.resolve({ bikes: [], shelf: [], unassigned_rides: 0 }),
      dueList: Promise.resolve([]),
      presets: Promise.resolve([]),
    };
    const holder: Record<string, unknown> = { [FIRST_READS_KEY]: reads };
    expect(takeFirstReads(holder)).toBe(reads);
    expect(takeFirstReads(holder)).toBeNull();
    expect(FIRST_READS_KEY in holder).toBe(false);
  });

  it('gives none where the start-up script asked for none (a browser, the tests)', () => {
    expect(takeFirstReads({})).toBeNull();
  });
});
