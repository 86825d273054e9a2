// What the window asks of the garage (bikes, parts, rules, services), in one place, over the
// generated bindings: each call names the command it goes to.

import {
  commands,
  type ActivityFilter,
  type Bike_Serialize as Bike,
  type Component_Serialize as Component,
  type ComponentCost_Serialize as ComponentCost,
  type Installation_Serialize as Installation,
  type ItsParts,
  type Metric,
  type Replaced_Serialize as Replaced,
  type Retired_Serialize as Retired,
  type Rule_Serialize as Rule,
  type MonthDistance,
  type Service_Serialize as Service,
  type Undone_Serialize as Undone,
} from '../bindings';

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

/** What a part cost (core: garage::cost::ComponentCost). */
export type ComponentCosts = ComponentCost;
export type { MonthDistance };

export const garageApi = {
  // Bikes
  editBike: (id: string, patch: BikePatch): Promise<Bike> => commands.editBike({ bike_id: id, ...patch }),
  /** Retired: its parts keep their history but never remind; false brings it back. */
  setBikeRetired: (id: string, retired: boolean): Promise<Bike> =>
    retired ? commands.retireBike({ bike_id: id }) : commands.restoreBike({ bike_id: id }),
  /** The bike's distance in each of the last 12 months, this month last. */
  bikeMonths: (id: string): Promise<MonthDistance[]> => commands.bikeDistanceByMonth({ bike_id: id }),

  // Parts
  editComponent: (id: string, patch: ComponentPatch): Promise<Component> =>
    commands.editComponent({ component_id: id, ...patch }),
  /** Where the part has been mounted, oldest first. */
  installations: (id: string): Promise<Installation[]> => commands.componentInstallations({ component_id: id }),
  /**
   * Moves a part (with everything on it) to another bike, or onto a part, from `day` on
   * ("YYYY-MM-DD"; null: now); its wear follows it.
   */
  moveComponent: (id: string, to: { bikeId: string } | { partId: string }, day: string | null): Promise<Installation> =>
    commands.moveComponent({
      component_id: id,
      bike_id: 'bikeId' in to ? to.bikeId : null,
      parent_id: 'partId' in to ? to.partId : null,
      at: day ?? Date.now(),
    }),
  /** Takes a part off its bike (or the part it sits on), onto the shelf. */
  removeToShelf: (id: string, day: string | null): Promise<null> =>
    commands.removeComponent({ component_id: id, at: day ?? Date.now() }),
  /** Retires the part and mounts a fresh one of its kind with its rules; the parts on it move
   * onto the new one or go to the shelf. Returns the new one and where they went. */
  replaceComponent: (id: string, day: string | null, itsParts: ItsParts): Promise<Replaced> =>
    commands.replaceComponent({ component_id: id, at: day ?? Date.now(), its_parts: itsParts }),
  /** Retires the part; the parts on it go to the shelf (named in `shelved`). */
  retireComponent: (id: string, day: string | null): Promise<Retired> =>
    commands.retireComponent({ component_id: id, at: day ?? Date.now() }),
  /** What the part cost (purchase and services), and per 1,000 km and 1,000 mi. */
  componentCosts: (id: string): Promise<ComponentCosts> => commands.componentCost({ component_id: id }),
  /** Mounts a part from the shelf on a bike. */
  mount: (componentId: string, bikeId: string, day: string) =>
    commands.mountComponent({ component_id: componentId, bike_id: bikeId, at: day }),
  /** What the part's services cost and when, newest first (every rule's, deleted rules' too). */
  componentServices: (id: string): Promise<Service[]> => commands.componentServices({ component_id: id }),

  // Rules
  addRule: (componentId: string, rule: NewRule): Promise<Rule> => commands.addRule({ component_id: componentId, ...rule }),
  editRule: (id: string, patch: RulePatch): Promise<Rule> => commands.editRule({ rule_id: id, ...patch }),
  deleteRule: (id: string): Promise<null> => commands.deleteRule({ rule_id: id }),
  /** Quiet for `days` from now (its state is still shown as it is). */
  snoozeDays: (id: string, days: number): Promise<Rule> => commands.snoozeRule({ rule_id: id, days }),
  /** Quiet for this much more use, in the rule's metric (SI units). */
  snoozeUse: (id: string, more: number): Promise<Rule> => commands.snoozeRuleForUse({ rule_id: id, more }),

  // Services
  markDone: (ruleId: string, done: DoneInput): Promise<Service> =>
    commands.markDone({ rule_id: ruleId, done_at: done.day, cost_cents: done.cost_cents, notes: done.notes }),
  /** Deletes a service; `restoreService` is its Undo. */
  deleteService: (serviceId: string): Promise<Undone> => commands.deleteService({ service_id: serviceId }),
  restoreService: (serviceId: string): Promise<Service> => commands.restoreService({ service_id: serviceId }),
};
