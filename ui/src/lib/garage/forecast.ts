// The forecast the core adds to a rule's status: the days until it is due at the bike's recent
// pace (0 when due; null when there is no pace to go by).

import type { RuleStatus_Serialize as RuleStatus } from '../bindings';

export function forecastDays(rule: RuleStatus): number | null {
  const days = rule.forecast_days;
  return typeof days === 'number' && Number.isFinite(days) ? days : null;
}
