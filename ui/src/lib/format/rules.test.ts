import { describe, expect, it } from 'vitest';
import { ruleInterval, ruleWords } from './rules';

describe('rule words', () => {
  it('says what a repeating rule is', () => {
    expect(ruleInterval({ metric: 'distance_m', interval: 3_000_000, repeat: true }, 'metric')).toBe('every 3,000 km');
    expect(ruleInterval({ metric: 'days', interval: 90, repeat: true }, 'metric')).toBe('every 90 days');
  });

  it('says "once" for a rule that does not repeat, never "One-off"', () => {
    const once = ruleInterval({ metric: 'distance_m', interval: 6_000_000, repeat: false }, 'metric');
    expect(once).toBe('once, at 6,000 km');
    expect(ruleInterval({ metric: 'days', interval: 365, repeat: false }, 'metric')).toBe('once, after 365 days');
    expect(once).not.toMatch(/one-off/i);
  });

  it('names the rides a filtered rule counts', () => {
    expect(ruleWords({ metric: 'distance_m', interval: 2_000_000, repeat: true, filter: 'outdoor' }, 'metric')).toBe(
      'every 2,000 km, outdoor rides only',
    );
    expect(ruleWords({ metric: 'moving_time_s', interval: 180_000, repeat: true, filter: 'all' }, 'metric')).toBe('every 50 h');
  });

  it('writes the interval in miles for imperial riders', () => {
    expect(ruleInterval({ metric: 'distance_m', interval: 4_828_032, repeat: true }, 'imperial')).toBe('every 3,000 mi');
  });
});
