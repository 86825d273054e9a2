import { describe, expect, it } from 'vitest';
import { costError, intervalError, nameError, parseCents, parseNumber, pastDayError, warnPercentError } from './validate';

describe('form checks', () => {
  it('wants a name, not too long', () => {
    expect(nameError('  ')).toBe('Give it a name.');
    expect(nameError('x'.repeat(81))).toMatch(/under 80 characters/);
    expect(nameError('Commuter')).toBeNull();
  });

  it('reads numbers with thousands commas or decimal commas', () => {
    expect(parseNumber('3000')).toBe(3000);
    expect(parseNumber('3,000')).toBe(3000);
    expect(parseNumber('2,5')).toBe(2.5);
    expect(parseNumber('1,234.5')).toBe(1234.5);
    expect(parseNumber('abc')).toBeNull();
    expect(parseNumber('')).toBeNull();
  });

  it('refuses an interval that is not above zero', () => {
    expect(intervalError('0')).toBe('The interval must be more than zero.');
    expect(intervalError('lots')).toMatch(/as a number/);
    expect(intervalError('3,000')).toBeNull();
  });

  it('keeps the warning point between 5 and 99 %', () => {
    expect(warnPercentError('100')).toMatch(/between 5 % and 99 %/);
    expect(warnPercentError('80')).toBeNull();
  });

  it('reads money to cents', () => {
    expect(parseCents('24.90')).toBe(2490);
    expect(parseCents('24,9')).toBe(2490);
    expect(parseCents('')).toBeNull();
    expect(Number.isNaN(parseCents('12.345'))).toBe(true);
    expect(costError('twelve')).toMatch(/as a number/);
  });

  it('refuses a day that has not come yet', () => {
    expect(pastDayError('2026-03-02', '2026-03-01')).toBe('That day has not come yet.');
    expect(pastDayError('2026-02-30', '2026-03-01')).toBe('Pick a date.');
    expect(pastDayError('2026-02-28', '2026-03-01')).toBeNull();
    expect(pastDayError('', '2026-03-01')).toBeNull();
  });
});
