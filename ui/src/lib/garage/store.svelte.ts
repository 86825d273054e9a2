// The app's one piece of shared state: the garage as last read from the back
// end, the due list, the presets, the error banner and the Undo offer after Done.

import { errorMessage } from '../api';
import {
  commands,
  type Garage_Serialize as Garage,
  type Preset_Serialize as Preset,
  type RuleStatus_Serialize as RuleStatus,
} from '../bindings';
import { takeFirstReads } from '../platform/firstReads';
import { needsAttention } from './state';
import { garageApi, type DoneInput } from './api';

/** A service just recorded, which the rider can still take back. */
export interface UndoOffer {
  serviceId: string;
  task: string;
  component: string;
}

class GarageStore {
  // Raw, not deep state: each is replaced whole by `reload` and never changed in place, so a deep
  // proxy (a signal for every field of every part and rule, made as the page reads them) would
  // only cost memory and time on the first dashboard.
  garage = $state.raw<Garage | null>(null);
  /** Active rules due or due soon, most worn first. */
  due = $state.raw<RuleStatus[]>([]);
  presets = $state.raw<Preset[]>([]);
  loading = $state(true);
  /** Message for the error banner; null when there is nothing to show. */
  error = $state<string | null>(null);
  /** A short, non-error note (e.g. "Demo garage already loaded"). */
  notice = $state<string | null>(null);
  /** The last Done, while it can be undone from the toast; null when there is none. */
  undo = $state.raw<UndoOffer | null>(null);
  /** True while the Undo is being sent. */
  undoing = $state(false);
  /**
   * Why the garage could not be read at all (never loaded): the page then explains that instead
   * of offering an empty garage whose every button would fail.
   */
  openError = $state<string | null>(null);

  bikes = $derived(this.garage?.bikes ?? []);
  /** Parts in service on no bike. */
  shelf = $derived(this.garage?.shelf ?? []);
  dueCount = $derived(this.due.filter((r) => r.state === 'due').length);
  dueSoonCount = $derived(this.due.filter((r) => r.state === 'due_soon').length);

  /** Re-reads the garage and the due list (and the presets until they are known). */
  async reload(): Promise<void> {
    try {
      const first = takeFirstReads();
      const [g, d, p] = await Promise.all([
        first?.garage ?? commands.garage(),
        first?.dueList ?? commands.dueList(),
        first?.presets ?? (this.presets.length ? Promise.resolve(this.presets) : commands.presets()),
      ]);
      if (this.garage === null) performance.mark('garage received');
      this.garage = g;
      this.due = needsAttention(d);
      this.presets = p;
      this.openError = null;
    } catch (e) {
      if (this.garage === null) this.openError = errorMessage(e);
      else this.error = errorMessage(e);
    } finally {
      this.loading = false;
    }
  }

  async loadDemo(): Promise<void> {
    try {
      const { loaded } = await commands.loadDemo();
      this.notice = loaded ? null : 'The demo garage is already loaded.';
    } catch (e) {
      this.error = errorMessage(e);
    }
    await this.reload();
  }

  /**
   * Marks a rule serviced now and offers to undo it; returns false (and shows the banner) on
   * failure.
   */
  async markDone(rule: RuleStatus): Promise<boolean> {
    try {
      const service = await commands.markDone({ rule_id: rule.rule_id, done_at: null, notes: '' });
      this.undo = { serviceId: service.id, task: rule.task, component: rule.component };
    } catch (e) {
      this.error = errorMessage(e);
      // Show the garage as it is now (the rule may have been deleted from the CLI).
      await this.reload();
      return false;
    }
    await this.reload();
    return true;
  }

  /** Marks a rule done with its day, cost and notes; offers Undo as [`markDone`] does. */
  async markDoneWith(rule: RuleStatus, done: DoneInput): Promise<boolean> {
    try {
      const service = await garageApi.markDone(rule.rule_id, done);
      this.undo = { serviceId: service.id, task: rule.task, component: rule.component };
    } catch (e) {
      this.error = errorMessage(e);
      await this.reload();
      return false;
    }
    await this.reload();
    return true;
  }

  /** Takes back the last Done: the service is deleted and the rule's wear is what it was. */
  async undoDone(): Promise<void> {
    const offer = this.undo;
    if (!offer || this.undoing) return;
    this.undoing = true;
    try {
      await commands.deleteService({ service_id: offer.serviceId });
      this.notice = `Undone: “${offer.task}” on ${offer.component} is no longer marked done.`;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      if (this.undo === offer) this.undo = null;
      this.undoing = false;
    }
    await this.reload();
  }
}

export const store = new GarageStore();
