import type { ActivityFilter } from '../bindings';

/** Bike kinds accepted by `add_bike`, in the order the form offers them. */
export const BIKE_KINDS = ['road', 'gravel', 'mtb', 'cx', 'tt', 'touring', 'city', 'ebike', 'other'] as const;
export type BikeKind = (typeof BIKE_KINDS)[number];

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

export const FILTER_NOTE: Record<ActivityFilter, string> = {
  all: '',
  outdoor: 'outdoor rides only',
  indoor: 'indoor rides only',
};

/** "chain_ring" → "Chain ring". */
export function humanize(kind: string): string {
  const s = kind.replace(/[_-]+/g, ' ').trim();
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
