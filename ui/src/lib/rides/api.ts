// What the window asks about rides. Listing, editing and assigning have commands; deleting (with
// its Undo) waits for its own (issue 16) and fails visibly until then. The list command filters
// by bike (or unassigned); the other filters and the page are cut here until the core takes them.

import { commands, type Ride_Serialize as Ride, type RideSource } from '../bindings';
import { unbound } from '../unbound';

/** Which rides the Rides place shows (core: garage::rides::RideQuery, widened by issue 16). */
export interface RideFilter {
  bike?: string;
  unassigned?: boolean;
  indoor?: boolean;
  source?: RideSource;
  /** "YYYY-MM-DD", inclusive. */
  from?: string;
  to?: string;
}

/** One page of rides, newest first, and how many match in all. */
export interface RidePage {
  rides: Ride[];
  total: number;
}

/** Fields left out keep their value (SI units); the bike is changed by assigning. */
export interface RidePatch {
  name?: string;
  distance_m?: number;
  moving_time_s?: number;
  elevation_m?: number;
  indoor?: boolean;
  commute?: boolean;
}

/** The last listing, for paging without asking again. */
let listing: { key: string; rides: Ride[] } | null = null;

export const ridesApi = {
  /**
   * A page of rides matching `filter`, newest first. The listing the core gave for this bike (or
   * the unassigned rides) is kept, so turning pages and the window's own filters cost no call;
   * `fresh` reads it again (after an edit, or when the garage changed).
   */
  async page(filter: RideFilter, offset: number, limit: number, fresh = false): Promise<RidePage> {
    const key = filter.unassigned ? 'unassigned' : `bike:${filter.bike ?? ''}`;
    if (fresh || listing?.key !== key) {
      const rides = await commands.listRides({
        bike_id: filter.unassigned ? null : (filter.bike ?? null),
        unassigned_only: Boolean(filter.unassigned),
        limit: null,
      });
      listing = { key, rides };
    }
    const all = listing.rides.filter((r) => matches(r, filter));
    return { rides: all.slice(offset, offset + limit), total: all.length };
  },
  edit: (id: string, patch: RidePatch): Promise<Ride> => commands.editRide({ ride_id: id, ...patch }),
  /** Core: garage::rides::delete. */
  delete: (_id: string) => unbound<void>('Deleting a ride'),
  /** Undo of a delete (core: a ride's restore). */
  restore: (_id: string) => unbound<void>('Bringing a deleted ride back'),
  assign: (rideId: string, bikeId: string) => commands.assignRide({ ride_id: rideId, bike_id: bikeId }),
  /** Assigns many rides, one after the other; stops at the first failure and says how far it got. */
  async assignMany(rideIds: readonly string[], bikeId: string, onProgress?: (done: number) => void): Promise<number> {
    let done = 0;
    for (const id of rideIds) {
      await commands.assignRide({ ride_id: id, bike_id: bikeId });
      done += 1;
      onProgress?.(done);
    }
    return done;
  },
};

/** The filters the window can apply itself, on rides it already has. */
export function matches(r: Ride, f: RideFilter): boolean {
  if (f.bike && r.bike_id !== f.bike) return false;
  if (f.unassigned && r.bike_id !== null) return false;
  if (f.indoor !== undefined && r.indoor !== f.indoor) return false;
  if (f.source && r.source !== f.source) return false;
  if (f.from && r.start_at < new Date(`${f.from}T00:00:00`).getTime()) return false;
  if (f.to && r.start_at >= new Date(`${f.to}T00:00:00`).getTime() + 86_400_000) return false;
  return true;
}
