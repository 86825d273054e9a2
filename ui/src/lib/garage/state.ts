import type { RuleStatus_Serialize as RuleStatus, State } from '../bindings';

const RANK: Record<State, number> = { ok: 0, due_soon: 1, due: 2 };

/** Text shown next to every state colour, so state never relies on colour alone. */
export const STATE_LABEL: Record<State, string> = {
  ok: 'OK',
  due_soon: 'Due soon',
  due: 'Due',
};

/** The worst state among the rules; 'ok' when there are none. */
export function worstState(rules: readonly Pick<RuleStatus, 'state'>[]): State {
  let worst: State = 'ok';
  for (const r of rules) if (RANK[r.state] > RANK[worst]) worst = r.state;
  return worst;
}

/**
 * Rules that need attention (due or due soon), most worn first. Inactive rules (parts on a
 * retired bike) never remind, whatever their state.
 */
export function needsAttention(rules: readonly RuleStatus[]): RuleStatus[] {
  return rules
    .filter((r) => r.active && (r.state === 'due' || r.state === 'due_soon'))
    .sort((a, b) => b.fraction - a.fraction || RANK[b.state] - RANK[a.state]);
}
