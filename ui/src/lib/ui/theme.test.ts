// Both themes' text colours against the backgrounds they are drawn on, measured as WCAG 2 does:
// 4.5:1 for text (AA). Read from app.css itself, so a token changed there is checked here.
import { describe, expect, it } from 'vitest';
import css from '../../app.css?raw';

function block(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`no ${selector} block in app.css`);
  const body = css.slice(start, css.indexOf('}', start));
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/(--[\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)) out[m[1]] = m[2];
  return out;
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Text token on background token, as the components pair them. */
const PAIRS: [string, string][] = [
  ['--text', '--bg'],
  ['--text', '--surface'],
  ['--text', '--surface-2'],
  ['--muted', '--bg'],
  ['--muted', '--surface'],
  ['--muted', '--surface-2'],
  ['--muted', '--neutral-soft'],
  ['--accent-strong', '--surface'],
  ['--accent-strong', '--bg'],
  ['--accent', '--accent-soft'],
  ['--accent-text', '--accent'],
  ['--ok-text', '--ok-soft'],
  ['--soon-text', '--soon-soft'],
  ['--soon-text', '--surface'],
  ['--due-text', '--due-soft'],
  ['--due-text', '--surface'],
  ['--due-text', '--due-wash'],
  ['--on-due', '--due'],
  ['--strava-text', '--strava-soft'],
  ['--strava-text', '--surface'],
];

const light = block(':root');
const dark = { ...light, ...block(":root[data-theme='dark']") };

describe('theme contrast (WCAG AA, 4.5:1 for text)', () => {
  for (const [name, theme] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    it(`${name}: every text colour reads on its background`, () => {
      const failing = PAIRS.map(([fg, bg]) => [fg, bg, contrast(theme[fg], theme[bg])] as const)
        .filter(([, , ratio]) => !(ratio >= 4.5))
        .map(([fg, bg, ratio]) => `${fg} on ${bg}: ${ratio.toFixed(2)}`);
      expect(failing).toEqual([]);
    });
  }

  it('the system dark theme is the same as the forced one', () => {
    const start = css.indexOf('@media (prefers-color-scheme: dark)');
    const system = css.slice(start, css.indexOf('}', start));
    for (const [token, value] of Object.entries(block(":root[data-theme='dark']"))) {
      expect(system, token).toContain(`${token}: ${value};`);
    }
  });
});
