// Writes schematic.geo.json: a schematic, approximate drawing of the Gaza Strip for the offline
// map, from the bounding box and positions in shared/domain/AGREEMENTS.md ("Geography") and the
// places of examples/agreements/gaza-2025.yaml. It is NOT a boundary dataset: see README.md.
// Run: node packages/web/src/map/generate-schematic.mjs
import { writeFileSync } from 'node:fs';

const round = (n) => Math.round(n * 10000) / 10000;
const pt = ([lon, lat]) => [round(lon), round(lat)];

// Hand-placed vertices [lon, lat], within the notes' bbox (34.134–34.568 E, 31.220–31.601 N).
// The coast, from the Egyptian border in the south-west to the northern border.
const coast = [
  [34.218, 31.323],
  [34.27, 31.365],
  [34.33, 31.42],
  [34.39, 31.47],
  [34.43, 31.52],
  [34.46, 31.56],
  [34.489, 31.6],
];
// The land border with Israel, from the coast in the north to the tri-point with Egypt near
// Kerem Shalom (31.2208 N, 34.2706 E); Erez (31.5582, 34.5447) and Kissufim (31.37, 34.39) lie on it.
const israelBorder = [
  [34.489, 31.6],
  [34.568, 31.545],
  [34.525, 31.51],
  [34.49, 31.475],
  [34.455, 31.435],
  [34.39, 31.37],
  [34.355, 31.335],
  [34.315, 31.285],
  [34.295, 31.25],
  [34.2745, 31.22],
];
// The border with Egypt (Philadelphi), about 13 km from the tri-point to the sea; the Rafah
// crossing (31.2486, 34.2592) lies on it.
const egyptBorder = [
  [34.2745, 31.22],
  [34.218, 31.323],
];

const M_PER_DEG_LAT = 111_320;
const mPerDegLon = (lat) => M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);

/** The polyline moved `metres` to its right-hand side (inland for the borders as listed). */
function offset(line, metres) {
  return line.map((p, i) => {
    const a = line[Math.max(0, i - 1)];
    const b = line[Math.min(line.length - 1, i + 1)];
    const kx = mPerDegLon(p[1]);
    const dx = (b[0] - a[0]) * kx;
    const dy = (b[1] - a[1]) * M_PER_DEG_LAT;
    const len = Math.hypot(dx, dy) || 1;
    // Right-hand normal of (dx, dy) is (dy, -dx).
    return [p[0] + ((dy / len) * metres) / kx, p[1] + ((-dx / len) * metres) / M_PER_DEG_LAT];
  });
}

/**
 * The polyline with each end pulled `metres` towards its neighbour: an offset line's ends would
 * otherwise cross the outline at its sharp corners.
 */
function trim(line, metres) {
  const pull = (p, q) => {
    const length = Math.hypot((q[0] - p[0]) * mPerDegLon(p[1]), (q[1] - p[1]) * M_PER_DEG_LAT);
    const share = Math.min(0.5, metres / length);
    return [p[0] + (q[0] - p[0]) * share, p[1] + (q[1] - p[1]) * share];
  };
  const out = [...line];
  out[0] = pull(line[0], line[1]);
  out[out.length - 1] = pull(line[line.length - 1], line[line.length - 2]);
  return out;
}

/** Longitude where a polyline crosses a latitude (first crossing). */
function lonAt(line, lat) {
  for (let i = 1; i < line.length; i++) {
    const [a, b] = [line[i - 1], line[i]];
    if ((a[1] - lat) * (b[1] - lat) <= 0 && a[1] !== b[1]) {
      return a[0] + ((b[0] - a[0]) * (lat - a[1])) / (b[1] - a[1]);
    }
  }
  throw new Error(`no crossing at ${lat}`);
}

const ring = [...coast, ...israelBorder.slice(1), egyptBorder[1]].map(pt);

// Netzarim corridor: 31.43–31.47 N, from the coast to the eastern border.
const netzarim = [
  [lonAt(coast, 31.43), 31.43],
  [lonAt(coast, 31.47), 31.47],
  [lonAt(israelBorder, 31.47), 31.47],
  [lonAt(israelBorder, 31.43), 31.43],
];
netzarim.push(netzarim[0]);

// Buffer zone: a band from the border to 700 m inside it (reported: up to 700 m, about 1 km in
// places), along the whole land border with Israel. The border as listed runs with land on its
// right, so the inner edge is its right-hand offset.
const inner = offset(israelBorder, 700);
const buffer = [...israelBorder, ...[...inner].reverse(), israelBorder[0]].map(pt);

// Philadelphi corridor: the Egyptian border, drawn 50 m inside (about 100 m wide); the border
// as listed runs with land on its right.
const philadelphi = trim(offset(egyptBorder, 50), 200).map(pt);

// Rashid Street: about 300 m inland from the coast (listed from south to north, with land on its
// right).
const rashid = trim(offset(coast, 300), 400).map(pt);

// Salah al-Din Road: from the Rafah crossing through Khan Younis, Deir al-Balah and Gaza City
// to Erez, through the middle of the Strip.
const salahAlDin = [
  [34.2592, 31.2486],
  [34.305, 31.345],
  [34.36, 31.415],
  [34.405, 31.45],
  [34.46, 31.5],
  [34.5, 31.53],
  [34.5447, 31.5582],
].map(pt);

const feature = (properties, geometry) => ({ type: 'Feature', properties, geometry });
const collection = {
  type: 'FeatureCollection',
  properties: {
    schematic: true,
    note: 'Schematic, approximate drawing from the bounding box and positions in shared/domain/AGREEMENTS.md; not a boundary. See README.md.',
  },
  features: [
    feature({ layer: 'outline', place: 'gaza-strip' }, { type: 'Polygon', coordinates: [ring] }),
    feature({ layer: 'zone', place: 'buffer-zone' }, { type: 'Polygon', coordinates: [buffer] }),
    feature(
      { layer: 'zone', place: 'netzarim-corridor' },
      { type: 'Polygon', coordinates: [netzarim.map(pt)] },
    ),
    feature(
      { layer: 'corridor', place: 'philadelphi-corridor' },
      { type: 'LineString', coordinates: philadelphi },
    ),
    feature(
      { layer: 'route', place: 'rashid-street' },
      { type: 'LineString', coordinates: rashid },
    ),
    feature(
      { layer: 'route', place: 'salah-al-din-road' },
      { type: 'LineString', coordinates: salahAlDin },
    ),
    // Where to put something reported at a place that has no coordinates of its own (and the
    // returns counted on a route: both roads cross the Netzarim corridor, where returns north
    // were counted). `labelAnchor` is the side of a label that touches the point.
    feature({ layer: 'anchor', place: 'north' }, { type: 'Point', coordinates: [34.48, 31.525] }),
    feature({ layer: 'anchor', place: 'south' }, { type: 'Point', coordinates: [34.31, 31.33] }),
    feature(
      { layer: 'anchor', place: 'rashid-street', labelAnchor: 'right' },
      { type: 'Point', coordinates: rashid[3] },
    ),
    feature(
      { layer: 'anchor', place: 'salah-al-din-road', labelAnchor: 'left' },
      { type: 'Point', coordinates: salahAlDin[3] },
    ),
    feature(
      { layer: 'anchor', place: 'buffer-zone' },
      { type: 'Point', coordinates: pt(inner[2]) },
    ),
  ],
};

writeFileSync(
  new URL('./schematic.geo.json', import.meta.url),
  `${JSON.stringify(collection, null, 2)}\n`,
);
