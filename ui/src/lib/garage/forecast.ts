// The forecast the core adds to a rule's status (`forecast_days`, issue 16): read defensively, so
// the window works against a back end that does not send it yet (the rule then shows none).

import type { RuleStatus_Serialize as RuleStatus } from '../bindings';

export function forecastDays(rule: RuleStatus): number | null {
  const days = (rule as RuleStatus & { forecast_days?: number | null }).forecast_days;
  return typeof days === 'number' && Number.isFinite(days) ? days : null;
}
