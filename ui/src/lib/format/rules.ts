// A rule in plain words: "every 3,000 km", "once, at 6,000 km", "every 90 days", "once, after
// 90 days" — never "One-off" — plus which rides it counts.

import type { ActivityFilter, Metric } from '../bindings';
import { formatMetric, type UnitSystem } from './units';
import { display } from './display.svelte';

export interface RuleShape {
  metric: Metric;
  interval: number;
  repeat: boolean;
  filter: ActivityFilter;
}

const FILTER_WORDS: Record<ActivityFilter, string> = {
  all: '',
  outdoor: 'outdoor rides only',
  indoor: 'indoor rides only',
};

/** "every 3,000 km", "once, at 6,000 km", "every 90 days", "once, after 90 days". */
export function ruleInterval(rule: Pick<RuleShape, 'metric' | 'interval' | 'repeat'>, system: UnitSystem = display.units): string {
  const amount = formatMetric(rule.metric, rule.interval, system);
  if (rule.repeat) return `every ${amount}`;
  return rule.metric === 'days' ? `once, after ${amount}` : `once, at ${amount}`;
}

/** The interval with its filter: "every 2,000 km, outdoor rides only". */
export function ruleWords(rule: RuleShape, system: UnitSystem = display.units): string {
  const filter = FILTER_WORDS[rule.filter];
  return filter ? `${ruleInterval(rule, system)}, ${filter}` : ruleInterval(rule, system);
}
