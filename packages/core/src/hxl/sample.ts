import { createRandom } from '../scenario/random.js';
import { csvLine } from './writer.js';

/**
 * The synthetic HXL samples in `examples/aid/`: daily aid figures for Phase 1 of the 2025
 * agreement in the SHAPE of the public UN2720 dashboard and of COGAT's daily figures, with
 * made-up numbers (seeded, so the files are reproducible byte for byte). The two files count the
 * same synthetic trucks by two methods, so that their difference is explained by the rules:
 *
 * - COGAT counts trucks screened at the crossing, half-loaded ones included, at Kerem Shalom,
 *   Kissufim, Zikim and Erez;
 * - the UN counts trucks collected by agencies after repacking, without the half-loaded ones,
 *   and only through the crossings of its mechanism (Erez is out of its scope);
 * - on a few days some trucks are left uncollected: a residual no rule explains.
 */

const seed = 0x2720_0119;
const days = 42;
const firstDay = Date.UTC(2025, 0, 19);

interface Lane {
  crossing: string;
  name: string;
  destination: 'north' | 'south';
  /** Share of a day's trucks through this lane. */
  weight: number;
  /** In the UN2720 mechanism's scope. */
  unScope: boolean;
}

const lanes: readonly Lane[] = [
  {
    crossing: 'kerem-shalom',
    name: 'Kerem Shalom',
    destination: 'south',
    weight: 34,
    unScope: true,
  },
  {
    crossing: 'kerem-shalom',
    name: 'Kerem Shalom',
    destination: 'north',
    weight: 22,
    unScope: true,
  },
  { crossing: 'kissufim', name: 'Kissufim', destination: 'south', weight: 12, unScope: true },
  { crossing: 'zikim', name: 'Zikim', destination: 'north', weight: 24, unScope: true },
  { crossing: 'erez', name: 'Erez', destination: 'north', weight: 8, unScope: false },
];

const categories = [
  { type: 'food', sector: 'Food Security', weight: 55 },
  { type: 'water', sector: 'WASH', weight: 10 },
  { type: 'medical', sector: 'Health', weight: 8 },
  { type: 'shelter', sector: 'Shelter', weight: 18 },
  { type: 'fuel', sector: 'Logistics', weight: 9 },
] as const;

const senders = ['WFP', 'UNICEF', 'WHO', 'UNRWA', 'IOM', 'Egyptian Red Crescent'] as const;

const areaName = { north: 'Northern Gaza', south: 'Southern and central Gaza' } as const;

function isoDay(offset: number): string {
  return new Date(firstDay + offset * 86_400_000).toISOString().slice(0, 10);
}

export interface AidSampleFiles {
  'un2720-daily.csv': string;
  'cogat-daily.csv': string;
}

/** The two sample files, as committed in `examples/aid/`. */
export function aidSampleFiles(): AidSampleFiles {
  const random = createRandom(seed);
  const un: string[][] = [
    [
      'Date',
      'Crossing',
      'Governorate',
      'Reporting organisation',
      'Cargo category',
      'Trucks collected',
      'Sector',
      'Sending agency',
      'Counting method',
    ],
    [
      '#date',
      '#loc+name',
      '#adm1+name',
      '#org+code',
      '#item+type',
      '#indicator+num+trucks',
      '#sector+cluster',
      '#org+impl',
      '#meta+method',
    ],
  ];
  const cogat: string[][] = [
    [
      'Date',
      'Crossing',
      'Destination',
      'Source',
      'Category',
      'Item',
      'Trucks inspected',
      'Of which half-loaded',
      'Items',
      'Counting method',
    ],
    [
      '#date',
      '#loc+code',
      '#adm1+code',
      '#org+code',
      '#item+type',
      '#item+name',
      '#indicator+num+trucks',
      '#indicator+num+halfloaded',
      '#indicator+num+items',
      '#meta+method',
    ],
  ];
  for (let day = 0; day < days; day++) {
    const date = isoDay(day);
    // Around 600 trucks screened a day, fewer in the first days (as reported then).
    const total = day < 3 ? random.int(520, 600) : random.int(590, 690);
    for (const lane of lanes) {
      for (const category of categories) {
        const trucks = Math.max(
          1,
          Math.round((total * lane.weight * category.weight) / 10_000 + random.int(-2, 2)),
        );
        const halfLoaded = Math.floor((trucks * random.int(10, 28)) / 100);
        cogat.push([
          date,
          lane.crossing,
          lane.destination,
          'cogat',
          category.type,
          '',
          String(trucks),
          String(halfLoaded),
          '',
          'screened at the crossing; half-loaded trucks counted',
        ]);
        if (!lane.unScope) continue;
        // Collected after repacking: the half-loaded trucks are not counted; on some days a
        // few trucks wait uncollected at the crossing.
        const uncollected = random.next() < 0.04 ? random.int(1, 3) : 0;
        const collected = Math.max(0, trucks - halfLoaded - uncollected);
        un.push([
          date,
          lane.name,
          areaName[lane.destination],
          'un',
          category.type,
          String(collected),
          category.sector,
          random.pick(senders),
          'collected after repacking; half-loaded trucks not counted',
        ]);
      }
    }
    // Shelter items, counted in units, once a week.
    if (day % 7 === 6) {
      cogat.push([
        date,
        'kerem-shalom',
        'south',
        'cogat',
        '',
        'tents',
        '',
        '',
        String(random.int(8, 16) * 1000),
        'units inspected',
      ]);
    }
  }
  return {
    'un2720-daily.csv': un.map(csvLine).join(''),
    'cogat-daily.csv': cogat.map(csvLine).join(''),
  };
}
