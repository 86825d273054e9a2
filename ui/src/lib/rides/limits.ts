// Numbers a ride cannot have (issue 16, section 8): a typo such as 99,999,999 km would put every
// part on the bike at "due". The window refuses them with the reason unless the rider confirms;
// the same limits as the core's (documented in the README).

import { formatMetric, type UnitSystem } from '../format/units';
import { display } from '../format/display.svelte';

export const MAX_DISTANCE_M = 1_000_000; // 1,000 km
export const MAX_SPEED_M_PER_S = 100_000 / 3600; // 100 km/h on average
export const MAX_MOVING_S = 48 * 3600; // 48 h
export const MAX_CLIMB_M_PER_KM = 50;

export interface RideNumbers {
  distance_m: number;
  moving_time_s: number;
  elevation_m: number;
}

/** Why a ride's numbers look impossible, one reason each, in the rider's units; [] when fine. */
export function implausible(r: RideNumbers, system: UnitSystem = display.units): string[] {
  const out: string[] = [];
  if (r.distance_m > MAX_DISTANCE_M) {
    out.push(`${formatMetric('distance_m', r.distance_m, system)} is more than a ride can be (over ${formatMetric('distance_m', MAX_DISTANCE_M, system)}).`);
  }
  if (r.moving_time_s > MAX_MOVING_S) {
    out.push(`${formatMetric('moving_time_s', r.moving_time_s, system)} of moving time is more than 48 hours.`);
  }
  if (r.moving_time_s > 0 && r.distance_m / r.moving_time_s > MAX_SPEED_M_PER_S) {
    const speed = system === 'imperial' ? '62 mph' : '100 km/h';
    out.push(`That is faster than ${speed} on average.`);
  }
  if (r.distance_m > 0 && r.elevation_m / (r.distance_m / 1000) > MAX_CLIMB_M_PER_KM) {
    const per = system === 'imperial' ? '264 ft per mile' : '50 m per km';
    out.push(`${formatMetric('elevation_m', r.elevation_m, system)} of climbing is more than ${per}.`);
  } else if (r.distance_m === 0 && r.elevation_m > MAX_CLIMB_M_PER_KM) {
    out.push(`${formatMetric('elevation_m', r.elevation_m, system)} of climbing with no distance.`);
  }
  return out;
}
