// The app's one piece of shared state: the garage as last read from the back
// end, the due list, the presets and the current error banner.

import * as api from './api';
import type { Garage, Preset, RuleStatus } from './api';
import { needsAttention } from './state';

class GarageStore {
  garage = $state<Garage | null>(null);
  /** Rules due or due soon, most worn first. */
  due = $state<RuleStatus[]>([]);
  presets = $state<Preset[]>([]);
  loading = $state(true);
  /** Message for the error banner; null when there is nothing to show. */
  error = $state<string | null>(null);
  /** A short, non-error note (e.g. "Demo garage already loaded"). */
  notice = $state<string | null>(null);
  /**
   * Why the garage could not be read at all (never loaded): the page then explains that instead
   * of offering an empty garage whose every button would fail.
   */
  openError = $state<string | null>(null);

  bikes = $derived(this.garage?.bikes ?? []);
  dueCount = $derived(this.due.filter((r) => r.state === 'due').length);
  dueSoonCount = $derived(this.due.filter((r) => r.state === 'due_soon').length);

  /** Re-reads the garage and the due list (and the presets until they are known). */
  async reload(): Promise<void> {
    try {
      const [g, d, p] = await Promise.all([
        api.garage(),
        api.dueList(),
        this.presets.length ? Promise.resolve(this.presets) : api.presets(),
      ]);
      this.garage = g;
      this.due = needsAttention(d);
      this.presets = p;
      this.openError = null;
    } catch (e) {
      if (this.garage === null) this.openError = api.errorMessage(e);
      else this.error = api.errorMessage(e);
    } finally {
      this.loading = false;
    }
  }

  async loadDemo(): Promise<void> {
    try {
      const { loaded } = await api.loadDemo();
      this.notice = loaded ? null : 'The demo garage is already loaded.';
    } catch (e) {
      this.error = api.errorMessage(e);
    }
    await this.reload();
  }

  /** Marks a rule serviced now; returns false (and shows the banner) on failure. */
  async markDone(ruleId: string): Promise<boolean> {
    try {
      await api.markDone({ rule_id: ruleId, done_at: Date.now(), notes: '' });
    } catch (e) {
      this.error = api.errorMessage(e);
      // Show the garage as it is now (the rule may have been deleted from the CLI).
      await this.reload();
      return false;
    }
    await this.reload();
    return true;
  }
}

export const store = new GarageStore();
