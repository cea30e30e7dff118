import { z } from 'zod';
import { instantText, limit } from '../../http/schemas.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,119}$/, 'an id of the agreement');
const consignmentId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, ".", "_", ":" or "-"');
const dayText = z
  .string()
  .regex(/^-?[0-9]{1,4}$/, 'a day number of the agreement (Day 1…)')
  .transform(Number);
const asOf = instantText
  .optional()
  .describe("the instant to look at, with offset (default: the cell's now)");

const consignmentSummary = z.looseObject({
  id: z.string(),
  state: z
    .string()
    .nullable()
    .describe(
      'registered, cleared, rejected, crossed, collected, uncollected, intercepted, warehoused or distributed',
    ),
  since: z.string().nullable().describe('when it entered that state'),
  hoursInState: z.number().nullable().describe('for a state it waits in: hours so far'),
  crossing: z.string().nullable(),
  cargo: z.string().nullable(),
  destination: z.string().nullable(),
  trucks: z.number(),
  flagCount: z.number().describe('steps not taken as reported (duplicates, out of order…)'),
});

const dwellStats = z.looseObject({
  crossing: z.string(),
  state: z.string(),
  day: z.number().nullable(),
  count: z.number().describe('stays that ended'),
  medianHours: z.number().nullable(),
  p90Hours: z.number().nullable(),
  open: z.number().describe('consignments still in the state'),
  stuck: z
    .array(z.object({ consignment: z.string(), hours: z.number() }))
    .describe('open longer than stuckAfterHours, longest first'),
  stuckAfterHours: z.number(),
});

const pair = z.looseObject({
  higher: z.object({ source: z.string(), count: z.number() }),
  lower: z.object({ source: z.string(), count: z.number() }),
  difference: z.number(),
  explained: z.array(z.object({ rule: z.string(), amount: z.number(), detail: z.string() })),
  unexplained: z.number().describe('the part of the difference no counting rule explains'),
  comparable: z.boolean(),
});

const sourceFigure = z.object({
  source: z.string(),
  count: z.number(),
  halfLoaded: z.number(),
  fromConsignments: z.number().describe('of count, trucks of consignments counted as they crossed'),
});

export const crossingsSchema = {
  tags: ['aid'],
  summary: 'The crossings of the agreement, with whether each is open now and why',
  description:
    'Location, opening hours, week days closed, capacity (trucks a day) and closed periods from the agreement; the state at `asOf` from the latest crossing_opened or crossing_closed report, the closed periods and the hours.',
  querystring: z.object({ asOf }),
  response: {
    200: z.object({
      asOf: z.string(),
      crossings: z.array(
        z.looseObject({
          id: z.string(),
          name: z.string(),
          lat: z.number().nullable(),
          lon: z.number().nullable(),
          trucksPerDay: z.number().nullable(),
          open: z.boolean(),
          why: z.string(),
        }),
      ),
    }),
  },
};

export const consignmentsSchema = {
  tags: ['aid'],
  summary: 'Consignments, folded from their events, with filters and a cursor',
  description:
    'Each consignment’s state at `asOf` and how long it has waited in it. Filters: state, crossing, cargo, destination, flagged (true: only those with a step not taken as reported), stuck (true: only those waiting longer than their state’s threshold). Ordered by id; pass `nextCursor` as `cursor` for the next page.',
  querystring: z.object({
    asOf,
    state: z
      .enum([
        'registered',
        'cleared',
        'rejected',
        'crossed',
        'collected',
        'uncollected',
        'intercepted',
        'warehoused',
        'distributed',
      ])
      .optional(),
    crossing: slug.optional(),
    cargo: slug.optional(),
    destination: slug.optional(),
    flagged: z.enum(['true', 'false']).optional(),
    stuck: z.enum(['true', 'false']).optional(),
    cursor: consignmentId.optional(),
    limit: limit(500, 100),
  }),
  response: {
    200: z.object({
      asOf: z.string(),
      consignments: z.array(consignmentSummary),
      nextCursor: z.string().nullable(),
    }),
  },
};

export const consignmentSchema = {
  tags: ['aid'],
  summary: 'One consignment with every step, each flag and its dwell in each state',
  params: z.object({ consignment: consignmentId }),
  querystring: z.object({ asOf }),
  response: {
    200: consignmentSummary.extend({
      asOf: z.string(),
      steps: z
        .array(z.unknown())
        .describe('{state, at, eventId, source, detail} in the order they happened'),
      flags: z
        .array(z.object({ eventId: z.string(), kind: z.string(), message: z.string() }))
        .describe(
          'duplicate, out_of_order, unregistered, after_end, mismatch or count_without_crossing',
        ),
      dwells: z.array(
        z.object({
          state: z.string(),
          from: z.string(),
          until: z.string().nullable(),
          hours: z.number(),
        }),
      ),
    }),
  },
};

export const pipelineSchema = {
  tags: ['aid'],
  summary: 'The consignment pipeline: states per crossing, dwell per state, crossing and day',
  description:
    'Median and 90th percentile of the hours consignments spent in each state (stays that ended), how many are still in it, and those stuck longer than the state’s threshold; over all days and per day the stays began (`fromDay`, `untilDay` narrow the days).',
  querystring: z.object({ asOf, fromDay: dayText.optional(), untilDay: dayText.optional() }),
  response: {
    200: z.object({
      asOf: z.string(),
      day: z.number(),
      stuckAfterHours: z.record(z.string(), z.number()),
      states: z.array(z.object({ crossing: z.string(), counts: z.record(z.string(), z.number()) })),
      flagged: z.number(),
      byCrossing: z.array(dwellStats),
      byDay: z.array(dwellStats),
    }),
  },
};

export const reconciliationSchema = {
  tags: ['aid'],
  summary: 'Trucks per day as each source counts them, and why the sources differ',
  description:
    'For each day: every source’s figure (counts and consignments as the quotas count them), each pair of sources that have a profile in the agreement (with profiles, others are shown but not paired: an agency’s own consignments cover only part of the trucks) with the part of the difference each counting rule of their profiles explains (half-loads, crossings out of scope) and the residual no rule explains; the same per crossing and cargo. `text` reads e.g. "cogat 419, un 223: 160 explained by half-loads, 36 by crossings out of scope, 0 unexplained".',
  querystring: z.object({ asOf, fromDay: dayText.optional(), untilDay: dayText.optional() }),
  response: {
    200: z.object({
      asOf: z.string(),
      profiles: z.array(z.looseObject({ source: z.string() })),
      days: z.array(
        z.object({
          day: z.number(),
          sources: z.array(sourceFigure),
          reconciliation: z.array(pair),
          text: z.array(z.string()),
          cells: z.array(
            z.object({
              crossing: z.string(),
              cargo: z.string(),
              sources: z.array(sourceFigure),
              reconciliation: z.array(pair),
              text: z.array(z.string()),
            }),
          ),
        }),
      ),
    }),
  },
};
