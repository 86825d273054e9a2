import { BIKE_KINDS, type BikeKind, type RideFilter } from './api';

export const BIKE_KIND_LABEL: Record<BikeKind, string> = {
  road: 'Road',
  gravel: 'Gravel',
  mtb: 'Mountain (MTB)',
  cx: 'Cyclocross',
  tt: 'Time trial / triathlon',
  touring: 'Touring',
  city: 'City / commuter',
  ebike: 'E-bike',
  other: 'Other',
};

/** Short label for a bike kind as stored; unknown kinds are shown as they are. */
export function bikeKindLabel(kind: string): string {
  return (BIKE_KINDS as readonly string[]).includes(kind) ? BIKE_KIND_LABEL[kind as BikeKind] : kind;
}

export const FILTER_NOTE: Record<RideFilter, string> = {
  all: '',
  outdoor: 'outdoor rides only',
  indoor: 'indoor rides only',
};

/** "chain_ring" → "Chain ring". */
export function humanize(kind: string): string {
  const s = kind.replace(/[_-]+/g, ' ').trim();
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
