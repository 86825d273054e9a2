// What the window asks of the garage (bikes, parts, rules, services), in one place. Calls with a
// command behind them go straight to the generated bindings; the others (issue 16's new verbs,
// written by the core at the same time) fail visibly until the merger binds them: each names the
// core function it stands for.

import {
  commands,
  type ActivityFilter,
  type Bike_Serialize as Bike,
  type Component_Serialize as Component,
  type Installation_Serialize as Installation,
  type Metric,
  type Service_Serialize as Service,
  type Undone_Serialize as Undone,
} from '../bindings';
import { unbound } from '../unbound';

/** Fields left out keep their value (core: garage::bikes::BikePatch). */
export interface BikePatch {
  name?: string;
  kind?: string;
  notes?: string;
  retired?: boolean;
}

/** Core: garage::components::ComponentPatch. */
export interface ComponentPatch {
  name?: string;
  brand?: string;
  model?: string;
  notes?: string;
  purchase_cost_cents?: number | null;
}

/** Core: garage::rules::NewRule. */
export interface NewRule {
  task: string;
  metric: Metric;
  interval: number;
  warn_fraction?: number | null;
  repeat: boolean;
  filter: ActivityFilter;
}

/** Core: garage::rules::RulePatch. */
export interface RulePatch {
  task?: string;
  interval?: number;
  warn_fraction?: number;
  repeat?: boolean;
  filter?: ActivityFilter;
}

/** Done with its date ("YYYY-MM-DD"; empty = now), cost and notes. */
export interface DoneInput {
  day: string | null;
  cost_cents: number | null;
  notes: string;
}

/** One month of riding on a bike, for its chart. */
export interface MonthDistance {
  /** "2026-03" */
  month: string;
  distance_m: number;
}

/** What a part cost: its purchase and its services, and per 1,000 km of its use. */
export interface ComponentCosts {
  total_cents: number;
  distance_m: number;
}

export const garageApi = {
  // Bikes
  editBike: (id: string, patch: BikePatch): Promise<Bike> => commands.editBike({ bike_id: id, ...patch }),
  /** Retired: its parts keep their history but never remind; false brings it back. */
  setBikeRetired: (id: string, retired: boolean): Promise<Bike> => commands.editBike({ bike_id: id, retired }),
  /** Core: the month chart (issue 16, section 2). */
  bikeMonths: (_id: string) => unbound<MonthDistance[]>('The distance per month'),

  // Parts
  editComponent: (id: string, patch: ComponentPatch): Promise<Component> =>
    commands.editComponent({ component_id: id, ...patch }),
  /** Core: garage::installations::history. */
  installations: (_id: string) => unbound<Installation[]>('The part’s installation history'),
  /** Moves a part to another bike from `day` on ("YYYY-MM-DD"; null: now); its wear follows it. */
  moveComponent: (id: string, bikeId: string, day: string | null): Promise<Installation> =>
    commands.moveComponent({ component_id: id, bike_id: bikeId, at: day ?? Date.now() }),
  removeToShelf: (id: string, day: string | null): Promise<null> =>
    commands.shelveComponent({ component_id: id, at: day ?? Date.now() }),
  /** Retires the part and mounts a fresh one of its kind with its rules; returns the new one. */
  replaceComponent: (id: string, day: string | null): Promise<Component> =>
    commands.replaceComponent({ component_id: id, at: day ?? Date.now() }),
  retireComponent: (id: string, day: string | null): Promise<Component> =>
    commands.retireComponent({ component_id: id, at: day ?? Date.now() }),
  /** Core: the costs of issue 16, section 3. */
  componentCosts: (_id: string) => unbound<ComponentCosts>('What the part cost'),
  /** Mounts a part from the shelf on a bike. */
  mount: (componentId: string, bikeId: string, day: string) =>
    commands.mountComponent({ component_id: componentId, bike_id: bikeId, at: day }),

  // Rules
  addRule: (componentId: string, rule: NewRule): Promise<null> => commands.addRule({ component_id: componentId, ...rule }),
  editRule: (id: string, patch: RulePatch): Promise<null> => commands.editRule({ rule_id: id, ...patch }),
  deleteRule: (id: string): Promise<null> => commands.deleteRule({ rule_id: id }),
  /** Quiet for `days` from now (its state is still shown as it is). */
  snoozeDays: (id: string, days: number, now: number = Date.now()): Promise<null> =>
    commands.snoozeUntil({ rule_id: id, until: Math.round(now + days * 86_400_000) }),
  /** Quiet for this much more use, in the rule's metric (SI units). */
  snoozeUse: (id: string, more: number): Promise<null> => commands.snoozeForUse({ rule_id: id, more }),

  // Services
  markDone: (ruleId: string, done: DoneInput): Promise<Service> =>
    commands.markDone({ rule_id: ruleId, done_at: done.day, cost_cents: done.cost_cents, notes: done.notes }),
  /** Deletes a service (its Undo puts it back: the core's restore). */
  deleteService: (serviceId: string): Promise<Undone> => commands.deleteService({ service_id: serviceId }),
  /** What was done on each of these rules, newest first, each with its rule's task. */
  async services(rules: readonly { rule_id: string; task: string }[]): Promise<(Service & { task: string })[]> {
    const lists = await Promise.all(
      rules.map(async (r) => (await commands.ruleServices({ rule_id: r.rule_id })).map((s) => ({ ...s, task: r.task }))),
    );
    return lists.flat().sort((a, b) => b.done_at - a.done_at);
  },
};
