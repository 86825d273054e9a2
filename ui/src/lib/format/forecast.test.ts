import { describe, expect, it } from 'vitest';
import { forecastWords } from './forecast';
import { forecastDays } from '../garage/forecast';
import type { RuleStatus_Serialize as RuleStatus } from '../bindings';

describe('forecast words', () => {
  it('says nothing when the core cannot tell (a part not ridden lately) or it is already due', () => {
    expect(forecastWords(null)).toBeNull();
    expect(forecastWords(undefined)).toBeNull();
    expect(forecastWords(Number.NaN)).toBeNull();
    expect(forecastWords(0)).toBeNull();
  });

  it('rounds to what a rider plans with', () => {
    expect(forecastWords(0.4)).toBe('due within a day at your recent pace');
    expect(forecastWords(1.2)).toBe('due in about a day at your recent pace');
    expect(forecastWords(11.6)).toBe('due in about 12 days at your recent pace');
    expect(forecastWords(30)).toBe('due in about 4 weeks at your recent pace');
    expect(forecastWords(200)).toBe('due in about 7 months at your recent pace');
    expect(forecastWords(1000)).toBe('due in more than 2 years at your recent pace');
  });

  it('leaves out the pace for a calendar rule', () => {
    expect(forecastWords(12, true)).toBe('due in about 12 days');
  });

  it('reads forecast_days from a status that has it, and none from one that does not', () => {
    const base = { rule_id: 'r' } as unknown as RuleStatus;
    expect(forecastDays(base)).toBeNull();
    expect(forecastDays({ ...base, forecast_days: 3.5 } as RuleStatus)).toBe(3.5);
    expect(forecastDays({ ...base, forecast_days: null } as RuleStatus)).toBeNull();
  });
});
