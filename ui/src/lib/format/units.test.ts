import { afterEach, describe, expect, it } from 'vitest';
import { display, pickLocale } from './display.svelte';
import {
  distanceToMetres,
  formatDate,
  formatMetric,
  formatMoney,
  formatRemaining,
  formatUsage,
  kilometres,
  miles,
} from './units';

afterEach(() => {
  display.units = 'metric';
  display.locale = pickLocale([]);
});

describe('distances', () => {
  it('writes kilometres with one decimal below ten and whole numbers above', () => {
    display.locale = 'en-GB';
    expect(kilometres(400)).toBe('0.4 km');
    expect(kilometres(9_500)).toBe('9.5 km');
    expect(kilometres(1_234_000)).toBe('1,234 km');
    expect(kilometres(0)).toBe('0 km');
  });

  it('writes miles for imperial riders', () => {
    display.locale = 'en-GB';
    expect(miles(1_609.344)).toBe('1 mi');
    expect(formatMetric('distance_m', 4_828_032, 'imperial')).toBe('3,000 mi');
    expect(formatMetric('elevation_m', 304.8, 'imperial')).toBe('1,000 ft');
  });

  it('follows the rider’s unit choice when none is passed', () => {
    display.locale = 'en-GB';
    display.units = 'imperial';
    expect(formatUsage('distance_m', 1_609_344, 3_218_688)).toBe('1,000 mi / 2,000 mi');
    expect(formatRemaining('distance_m', -16_093.44)).toBe('overdue by 10 mi');
    expect(distanceToMetres(10)).toBeCloseTo(16_093.44);
  });

  it('groups digits the locale’s way', () => {
    display.locale = 'de-DE';
    expect(kilometres(1_234_000)).toBe('1.234 km');
    expect(kilometres(9_500)).toBe('9,5 km');
  });

  it('keeps time and counts the same in both systems', () => {
    expect(formatMetric('moving_time_s', 5400, 'imperial')).toBe('1 h 30 m');
    expect(formatMetric('rides', 1, 'imperial')).toBe('1 ride');
    expect(formatMetric('days', 90, 'imperial')).toBe('90 days');
  });
});

describe('dates and money', () => {
  it('follow the locale, also after it changed (their formatters are kept per locale)', () => {
    const day = new Date(2026, 2, 12, 12).getTime(); // noon, local time: the 12th in any zone
    display.locale = 'en-GB';
    expect(formatDate(day)).toBe('12 Mar 2026');
    expect(formatMoney(123_456)).toBe('1,234.56');
    display.locale = 'de-DE';
    expect(formatDate(day)).toBe('12. März 2026');
    expect(formatMoney(123_456)).toBe('1.234,56');
    display.locale = 'en-GB';
    expect(formatDate(day)).toBe('12 Mar 2026');
  });
});

describe('the locale', () => {
  it('is the first language the system names that Intl knows, English otherwise', () => {
    expect(pickLocale(['de-DE', 'en-US'])).toBe('de-DE');
    expect(pickLocale(['C'])).toBe('en-GB');
    expect(pickLocale([])).toBe('en-GB');
  });
});
