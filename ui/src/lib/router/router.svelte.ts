// The place the window shows, kept in step with the address (hashchange), so the back button and
// deep links work; going somewhere is setting the address.

import { parsePlace, placeHref, type Place } from './places';

class Router {
  place = $state<Place>(parsePlace(typeof location === 'undefined' ? '' : location.hash));

  constructor() {
    if (typeof window === 'undefined') return;
    window.addEventListener('hashchange', () => {
      this.place = parsePlace(location.hash);
      // A new place starts at its top, as a new page would.
      window.scrollTo(0, 0);
    });
  }

  go(place: Place): void {
    const href = placeHref(place);
    if (location.hash === href) return;
    location.hash = href;
  }

  /** Back where the rider came from, or to the garage when the window opened here. */
  back(): void {
    if (history.length > 1) history.back();
    else this.go({ name: 'garage' });
  }
}

export const router = new Router();
