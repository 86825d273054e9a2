// The window's places and their addresses. Hash addresses (`#/bike/ID`) need no server and work
// in the packaged app: the back button, a reload and a deep link all land on the same place.

export type Place =
  | { name: 'garage' }
  | { name: 'bike'; id: string }
  | { name: 'component'; id: string }
  | { name: 'rides'; bike?: string; unassigned?: boolean }
  | { name: 'settings'; section?: string }
  | { name: 'import' }
  | { name: 'unknown'; address: string };

function query(q: string | undefined): URLSearchParams {
  return new URLSearchParams(q ?? '');
}

/** `#/bike/019…` → { name: 'bike', id: '019…' }; an empty address is the garage. */
export function parsePlace(hash: string): Place {
  const address = hash.replace(/^#/, '');
  const [path, q] = address.split('?', 2);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: 'garage' };
  const [head, id] = parts;
  if (head === 'bike' && id && parts.length === 2) return { name: 'bike', id };
  if (head === 'component' && id && parts.length === 2) return { name: 'component', id };
  if (head === 'rides' && parts.length === 1) {
    const p = query(q);
    const place: Place = { name: 'rides' };
    const bike = p.get('bike');
    if (bike) place.bike = bike;
    if (p.get('unassigned') === '1') place.unassigned = true;
    return place;
  }
  if (head === 'import' && parts.length === 1) return { name: 'import' };
  if (head === 'settings' && parts.length <= 2) return id ? { name: 'settings', section: id } : { name: 'settings' };
  return { name: 'unknown', address };
}

/** The address of a place, for links (`href`) and for going there. */
export function placeHref(place: Place): string {
  switch (place.name) {
    case 'garage':
      return '#/';
    case 'bike':
      return `#/bike/${encodeURIComponent(place.id)}`;
    case 'component':
      return `#/component/${encodeURIComponent(place.id)}`;
    case 'rides': {
      const p = new URLSearchParams();
      if (place.bike) p.set('bike', place.bike);
      if (place.unassigned) p.set('unassigned', '1');
      const q = p.toString();
      return q ? `#/rides?${q}` : '#/rides';
    }
    case 'settings':
      return place.section ? `#/settings/${encodeURIComponent(place.section)}` : '#/settings';
    case 'import':
      return '#/import';
    case 'unknown':
      return `#${place.address}`;
  }
}

/** Which tab of the navigation a place belongs to. */
export function tabOf(place: Place): 'garage' | 'rides' | 'settings' {
  // Importing ride files is part of the rides' place.
  if (place.name === 'rides' || place.name === 'import') return 'rides';
  if (place.name === 'settings') return 'settings';
  return 'garage';
}
