// What the window asks about rides: a page of them with filters (the core filters and pages, so
// 50,000 rides cost one page), edit, delete with its Undo, assign, and the rider's answer to a
// ride flagged for numbers a ride cannot have.

import { commands, type Ride_Serialize as Ride, type RideSource, type Verdict } from '../bindings';

/** Which rides the Rides place shows (core: garage::rides::RideQuery). */
export interface RideFilter {
  bike?: string;
  unassigned?: boolean;
  /** Only rides flagged for review. */
  flagged?: boolean;
  indoor?: boolean;
  source?: RideSource;
  /** "YYYY-MM-DD", inclusive, in the rider's time zone. */
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

/** The start of a typed day ("YYYY-MM-DD") in the rider's time zone, as an instant. */
function dayStart(day: string): number {
  return new Date(`${day}T00:00:00`).getTime();
}

/** The core's query for a filter and a page: `to` is inclusive, the core's `until` is not. */
export function toQuery(f: RideFilter, offset: number, limit: number) {
  return {
    bike: f.unassigned ? null : (f.bike ?? null),
    unassigned_only: Boolean(f.unassigned),
    flagged_only: Boolean(f.flagged),
    indoor: f.indoor ?? null,
    source: f.source ?? null,
    from: f.from ? dayStart(f.from) : null,
    until: f.to ? dayStart(f.to) + 86_400_000 : null,
    offset,
    limit,
  };
}

export const ridesApi = {
  /** A page of rides matching `filter`, newest first, and how many match in all. */
  async page(filter: RideFilter, offset: number, limit: number): Promise<RidePage> {
    return commands.ridesPage(toQuery(filter, offset, limit));
  },
  /** `force` keeps numbers a ride cannot have (the rider confirmed them). */
  edit: (id: string, patch: RidePatch, force = false): Promise<Ride> =>
    commands.editRide({ ride_id: id, ...patch, force }),
  /** Deletes a ride; its wear is taken back. */
  delete: (id: string): Promise<null> => commands.deleteRide({ ride_id: id }),
  /** Undo of a delete. */
  restore: (id: string): Promise<Ride> => commands.undeleteRide({ ride_id: id }),
  /** Keep a flagged ride as it is, exclude it (it counts for nothing), or count it again. */
  review: (id: string, verdict: Verdict): Promise<Ride> => commands.reviewRide({ ride_id: id, verdict }),
  /** Assigns many rides at once: all of them, or none if one fails. */
  assignMany: (rideIds: readonly string[], bikeId: string): Promise<number> =>
    commands.assignRides({ ride_ids: [...rideIds], bike_id: bikeId }),
};
