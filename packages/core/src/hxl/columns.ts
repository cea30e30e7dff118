import type { Hashtag } from './hashtag.js';

/**
 * The event fields an HXL column can fill. Which column fills which is decided by the hashtag
 * and its attributes only, never by the header text (docs/HXL.md has the table).
 */
export type HxlField =
  | 'id'
  | 'occurredAt'
  | 'reportedAt'
  | 'sourceCode'
  | 'sourceName'
  | 'crossingCode'
  | 'crossingName'
  | 'destinationCode'
  | 'destinationName'
  | 'category'
  | 'itemName'
  | 'trucks'
  | 'halfLoaded'
  | 'items'
  | 'consignment';

/** Whether `attributes` minus the `ignorable` ones is exactly `wanted`. */
function exactly(
  attributes: ReadonlySet<string>,
  wanted: readonly string[],
  ignorable: readonly string[] = [],
): boolean {
  let extra = 0;
  for (const attribute of attributes) {
    if (wanted.includes(attribute)) continue;
    if (ignorable.includes(attribute)) continue;
    extra++;
  }
  return extra === 0 && wanted.every((attribute) => attributes.has(attribute));
}

/** The field a hashtag maps to, or undefined: the column is kept as it is in `payload.hxl`. */
export function fieldOf(hashtag: Hashtag): HxlField | undefined {
  const a = hashtag.attributes;
  switch (hashtag.tag) {
    case 'date':
      if (exactly(a, []) || exactly(a, ['occurred'])) return 'occurredAt';
      if (exactly(a, ['reported'])) return 'reportedAt';
      return undefined;
    case 'org':
      if (exactly(a, ['code'], ['reporting'])) return 'sourceCode';
      if (exactly(a, [], ['reporting']) || exactly(a, ['name'], ['reporting'])) return 'sourceName';
      return undefined;
    case 'loc':
      if (exactly(a, ['code'], ['crossing'])) return 'crossingCode';
      if (exactly(a, [], ['crossing']) || exactly(a, ['name'], ['crossing'])) return 'crossingName';
      return undefined;
    case 'adm1':
      if (exactly(a, ['code'])) return 'destinationCode';
      if (exactly(a, []) || exactly(a, ['name'])) return 'destinationName';
      return undefined;
    case 'item':
      if (exactly(a, ['type'])) return 'category';
      if (exactly(a, []) || exactly(a, ['name'])) return 'itemName';
      return undefined;
    case 'indicator':
      if (exactly(a, ['num', 'trucks'])) return 'trucks';
      if (exactly(a, ['num', 'halfloaded'])) return 'halfLoaded';
      if (exactly(a, ['num']) || exactly(a, ['num', 'items'])) return 'items';
      return undefined;
    case 'meta':
      if (exactly(a, ['id'])) return 'id';
      if (exactly(a, ['consignment'])) return 'consignment';
      return undefined;
    default:
      return undefined;
  }
}

/** The hashtags the export writes for the mapped fields, in column order. */
export const exportColumns: readonly { field: HxlField; header: string; hashtag: string }[] = [
  { field: 'id', header: 'Event id', hashtag: '#meta+id' },
  { field: 'occurredAt', header: 'Occurred', hashtag: '#date+occurred' },
  { field: 'reportedAt', header: 'Reported', hashtag: '#date+reported' },
  { field: 'sourceCode', header: 'Source', hashtag: '#org+code' },
  { field: 'crossingCode', header: 'Crossing', hashtag: '#loc+code' },
  { field: 'destinationCode', header: 'Destination', hashtag: '#adm1+code' },
  { field: 'category', header: 'Cargo', hashtag: '#item+type' },
  { field: 'itemName', header: 'Item', hashtag: '#item+name' },
  { field: 'trucks', header: 'Trucks', hashtag: '#indicator+num+trucks' },
  { field: 'halfLoaded', header: 'Half-loaded trucks', hashtag: '#indicator+num+halfloaded' },
  { field: 'items', header: 'Items', hashtag: '#indicator+num+items' },
  { field: 'consignment', header: 'Consignment', hashtag: '#meta+consignment' },
];
