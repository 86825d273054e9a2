// Which dialog or side panel is open over the current place: any page may open one (Add a
// component to this bike, Mount this part, the Strava panel on its Unassigned tab…).

import type { ComponentView_Serialize as ComponentView } from '../bindings';
import type { StravaTab } from '../strava/store.svelte';

export type Dialog =
  | { form: 'bike' }
  | { form: 'component'; bikeId: string | null }
  | { form: 'ride' }
  | { form: 'mount'; component: ComponentView }
  | { form: 'move'; component: ComponentView };

class Panels {
  dialog = $state<Dialog | null>(null);
  /** The Strava section, open on one of its tabs; null when closed. */
  stravaTab = $state<StravaTab | null>(null);
  devicesOpen = $state(false);
  notificationsOpen = $state(false);
}

export const panels = new Panels();
