import { z } from 'zod';

/**
 * The agreement format. One zod schema gives the runtime validation, the TypeScript types and
 * the committed JSON Schema (`docs/agreement.schema.json`). Field-by-field documentation lives
 * in `docs/AGREEMENT-FORMAT.md`; the `.describe()` texts here are what editors show.
 */

export const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" or "-"')
  .max(120);

/** An instant with an explicit UTC offset: a time without one is ambiguous across the zones of a ceasefire. */
export const instant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/,
    'an ISO 8601 date-time with an offset, e.g. 2025-01-19T08:30:00+02:00',
  )
  .refine(isRealDateTime, 'not a real date-time (check the day of the month and the hour)');

/** Date.parse rolls 30 February over to March and accepts 24:00: a text must name a real instant. */
function isRealDateTime(text: string): boolean {
  if (Number.isNaN(Date.parse(text))) return false;
  const [year, month, day, hour, minute] = [0, 5, 8, 11, 14].map((at, i) =>
    Number(text.slice(at, at + (i === 0 ? 4 : 2))),
  ) as [number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60
  );
}

/** An IANA time zone the runtime knows (Intl carries the zone data; no I/O). */
export const timeZone = z
  .string()
  .min(1)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'not a known IANA time zone; use a name such as Asia/Gaza or Africa/Cairo');

export const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM, e.g. 08:30');

const alternative = <T extends z.ZodType>(inner: T) =>
  z
    .object({
      value: inner,
      source: slug.describe('id of the source (in `sources`) that reports this value'),
      note: z.string().optional(),
    })
    .strict();

/**
 * A value as the primary text gives it, optionally with alternatives that other sources report.
 * The engine evaluates the primary value and says where an alternative would change the outcome.
 */
export const reported = <T extends z.ZodType>(inner: T) =>
  z.union([
    inner,
    z
      .object({
        value: inner,
        source: slug.optional().describe('source of the primary value'),
        alternatives: z.array(alternative(inner)).min(1),
      })
      .strict(),
  ]);

const nonNegativeInt = z.number().int().min(0);
const dayNumber = z.number().int().min(-365).max(3650);

export const partyRoles = ['party', 'mediator', 'guarantor', 'monitor', 'agency'] as const;
export const partyRole = z.enum(partyRoles);

export const party = z
  .object({
    id: slug,
    name: z.string().min(1),
    roles: z.array(partyRole).min(1),
    represents: slug
      .optional()
      .describe('for an organisation that reports on behalf of a party (e.g. a government agency)'),
  })
  .strict();

export const sourceDocument = z
  .object({
    id: slug,
    title: z.string().min(1),
    url: z.url().optional(),
    citation: z.string().optional(),
    date: z.string().optional(),
  })
  .strict();

const scalar = z.union([z.string(), z.number(), z.boolean()]);
export const fieldMatch = z
  .record(z.string(), z.union([scalar, z.array(scalar)]))
  .describe('payload fields that must be equal (a list: any of)');

export const eventMatch = z
  .object({
    type: z.union([z.string(), z.array(z.string()).min(1)]),
    where: fieldMatch.optional(),
    persons: z
      .object({ where: fieldMatch })
      .strict()
      .optional()
      .describe('for events that carry persons: which persons count'),
    source: z.union([slug, z.array(slug).min(1)]).optional(),
  })
  .strict();

export type Reported<T> =
  | T
  | { value: T; source?: string; alternatives: { value: T; source: string; note?: string }[] };

export type Condition =
  | { day: Reported<number>; time?: string }
  | { at: string }
  | { phaseStarted: string }
  | { phaseEnded: string }
  | { event: z.infer<typeof eventMatch> }
  | { count: z.infer<typeof eventMatch>; atLeast: Reported<number> }
  | { obligationMet: string }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export const condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ day: reported(dayNumber), time: clockTime.optional() }).strict(),
    z.object({ at: instant }).strict(),
    z.object({ phaseStarted: slug }).strict(),
    z.object({ phaseEnded: slug }).strict(),
    z.object({ event: eventMatch }).strict(),
    z.object({ count: eventMatch, atLeast: reported(nonNegativeInt) }).strict(),
    z.object({ obligationMet: slug }).strict(),
    z.object({ all: z.array(condition).min(1) }).strict(),
    z.object({ any: z.array(condition).min(1) }).strict(),
    z.object({ not: condition }).strict(),
  ]),
);

export const extension = z.union([
  z
    .object({
      whileOngoing: z
        .object({ started: condition, stopped: condition })
        .strict()
        .describe('the phase continues past its end while `started` holds and `stopped` does not'),
      maxDays: nonNegativeInt.optional(),
    })
    .strict(),
  z
    .object({
      perCount: z
        .object({
          measure: eventMatch,
          beyond: reported(nonNegativeInt),
          every: reported(z.number().int().min(1)),
          days: reported(z.number().int().min(1)),
        })
        .strict()
        .describe('+`days` for every `every` counted beyond `beyond`'),
      maxDays: nonNegativeInt.optional(),
    })
    .strict(),
]);

export const phase = z
  .object({
    id: slug,
    name: z.string().optional(),
    start: z.union([
      z.object({ day: reported(dayNumber) }).strict(),
      z.object({ when: condition }).strict(),
    ]),
    durationDays: reported(z.number().int().min(1)).optional(),
    extensions: z.array(extension).optional(),
  })
  .strict();

/** A period a crossing is closed whatever its hours say (a holiday, a closure announced ahead). */
export const crossingClosure = z
  .object({
    from: instant,
    until: instant.optional().describe('open again at this instant; absent: until further notice'),
    reason: z.string().max(4000).optional(),
  })
  .strict();

/** What the aid pipeline needs to know about a crossing: when it is open and how much it takes. */
export const crossingDetails = z
  .object({
    hours: z
      .object({ opens: clockTime, closes: clockTime })
      .strict()
      .optional()
      .describe("daily opening hours in the agreement's zone; absent: open round the clock"),
    closedOn: z
      .array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))
      .optional()
      .describe('week days the crossing does not open (fri, sat…)'),
    trucksPerDay: nonNegativeInt.optional().describe('capacity: trucks a day it can process'),
    closed: z.array(crossingClosure).default([]).describe('periods closed regardless of hours'),
    direction: z
      .enum(['into-gaza', 'out-of-gaza', 'both'])
      .optional()
      .describe('which way goods and people pass'),
  })
  .strict();

export const place = z
  .object({
    id: slug,
    name: z.string().min(1),
    kind: z.enum(['crossing', 'corridor', 'route', 'zone', 'line', 'area', 'checkpoint']),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    note: z.string().optional(),
    crossing: crossingDetails.optional().describe('for a place of kind crossing: hours, capacity'),
  })
  .strict();

/**
 * How one source counts aid, so that two sources' figures for the same day, crossing and cargo
 * can be reconciled: each known difference in method explains part of the gap between them.
 */
export const sourceProfile = z
  .object({
    source: slug.describe('the party id of the reporting organisation'),
    counts: z
      .enum(['trucks', 'tonnes'])
      .default('trucks')
      .describe('what its aid figures count; figures in different units are not compared'),
    halfLoaded: z
      .enum(['full', 'merged', 'excluded'])
      .default('full')
      .describe(
        'a half-loaded truck: counted as a full truck, merged (two make one, after repacking) or not counted',
      ),
    crossings: z
      .array(slug)
      .min(1)
      .optional()
      .describe('the crossings its figures cover; absent: every crossing'),
    countedAt: z
      .string()
      .max(200)
      .optional()
      .describe('where in the pipeline it counts (screening, collection inside…)'),
    note: z.string().optional(),
  })
  .strict();

const window = z
  .object({
    phase: slug.optional(),
    fromDay: reported(dayNumber).optional(),
    untilDay: reported(dayNumber).optional(),
  })
  .strict()
  .describe('when the obligation applies; by default, the whole agreement');

const obligationBase = {
  id: slug,
  title: z.string().min(1),
  clause: z.string().min(1).describe('the text of the clause, as the source gives it'),
  source: slug.optional().describe('id of the source document (in `sources`)'),
  owedBy: z.array(slug).min(1).describe('ids of the parties that owe the obligation'),
  during: window.optional(),
  note: z.string().optional(),
};

export const sourcesRule = z.union([
  z.object({ combine: z.literal('single'), source: slug }).strict(),
  z
    .object({
      combine: z.enum(['min', 'max']),
      among: z.array(slug).min(1).optional(),
    })
    .strict(),
  z
    .object({
      combine: z.literal('priority'),
      among: z.array(slug).min(1).describe('sources in order of precedence'),
    })
    .strict(),
]);

export const quotaObligation = z
  .object({
    ...obligationBase,
    kind: z.literal('quota'),
    measure: eventMatch,
    field: z.string().optional().describe('numeric payload field to sum; by default `count`'),
    unit: z.string().min(1),
    target: reported(z.number().min(0)),
    comparison: z.enum(['atLeast', 'atMost']).default('atLeast'),
    period: z
      .union([
        z.object({ calendarDay: z.literal(true) }).strict(),
        z
          .object({
            rollingHours: z
              .number()
              .int()
              .min(1)
              .max(24 * 31),
          })
          .strict(),
        z.object({ whole: z.literal(true) }).strict(),
      ])
      .default({ calendarDay: true }),
    assess: z
      .enum(['eachPeriod', 'average'])
      .default('eachPeriod')
      .describe('judge every period on its own, or the average over the periods so far'),
    tolerancePercent: z.number().min(0).max(100).default(0),
    sources: sourcesRule.default({ combine: 'max' }),
    partOf: slug.optional().describe('the quota this one is a share of (50 of the 600 are fuel)'),
  })
  .strict();

export const ratioRule = z
  .object({
    for: z.union([slug, z.array(slug).min(1)]).describe('category of the counterpart person'),
    release: z
      .array(z.object({ category: slug, count: reported(nonNegativeInt) }).strict())
      .min(1)
      .describe('persons owed per counterpart person, by category (`any` for any)'),
  })
  .strict();

export const exchangeObligation = z
  .object({
    ...obligationBase,
    kind: z.literal('exchange'),
    counterpart: eventMatch.describe('the releases that create the debt'),
    release: eventMatch.describe('the releases that pay it'),
    ratios: z.array(ratioRule).min(1),
    withinHours: reported(z.number().min(0)),
    unit: z.string().default('persons'),
  })
  .strict();

export const scheduleItem = z.union([
  z.object({ day: reported(dayNumber), count: reported(nonNegativeInt) }).strict(),
  z
    .object({
      every: reported(z.number().int().min(1)),
      fromDay: reported(dayNumber),
      untilDay: reported(dayNumber),
      count: reported(nonNegativeInt),
    })
    .strict(),
  z
    .object({ remainderBy: reported(dayNumber) })
    .strict()
    .describe('whatever of `total` is not yet scheduled, by the end of that day'),
]);

export const releaseOrderRule = z
  .object({
    first: z
      .object({
        category: z.union([slug, z.array(slug).min(1)]).transform((c) => [c].flat()),
        living: z.boolean().optional(),
      })
      .strict()
      .describe('these persons are released first…'),
    before: z
      .union([slug, z.array(slug).min(1)])
      .transform((c) => [c].flat())
      .describe('…before anyone of these categories'),
  })
  .strict();

export const namesLists = z
  .object({
    match: eventMatch
      .default({ type: 'names_list_delivered' })
      .describe('the names lists that announce each release (payload forDay, persons)'),
    register: eventMatch
      .default({ type: 'person_registered' })
      .describe('the register of held persons, with their categories'),
    order: z.array(releaseOrderRule).default([]),
  })
  .strict()
  .describe('names lists are checked before the day against the items and the order rules');

export const scheduleObligation = z
  .object({
    ...obligationBase,
    kind: z.literal('schedule'),
    measure: eventMatch,
    unit: z.string().default('persons'),
    items: z.array(scheduleItem).min(1),
    total: reported(nonNegativeInt).optional(),
    lists: namesLists.optional(),
  })
  .strict();

export const deadlineObligation = z
  .object({
    ...obligationBase,
    kind: z.literal('deadline'),
    zone: slug.optional().describe('the place the act concerns (withdrawn from corridor X)'),
    act: eventMatch,
    by: z.union([
      z.object({ day: reported(dayNumber), time: clockTime.optional() }).strict(),
      z.object({ at: instant }).strict(),
      z.object({ withinHours: reported(z.number().min(0)), after: condition }).strict(),
    ]),
    warnHours: z.number().min(0).default(24),
  })
  .strict();

export const prohibitionObligation = z
  .object({
    ...obligationBase,
    kind: z.literal('prohibition'),
    zone: slug.optional().describe('the place the prohibition covers (no flights over area Y)'),
    act: eventMatch,
    window: z
      .union([
        z.object({ always: z.literal(true) }).strict(),
        z.object({ dailyFrom: clockTime, dailyTo: clockTime }).strict(),
        z
          .object({
            quietHoursPerDay: reported(z.number().min(0).max(24)),
            onExchangeDays: reported(z.number().min(0).max(24)).optional(),
            exchangeDays: eventMatch.optional(),
          })
          .strict(),
      ])
      .default({ always: true }),
  })
  .strict();

export const permissionObligation = z
  .object({
    ...obligationBase,
    kind: z.literal('permission'),
    when: condition.describe('from when the act is allowed'),
    act: eventMatch.describe('what shows the permission was honoured (a crossing opened…)'),
    blockedBy: eventMatch.optional().describe('what shows it was blocked (a crossing closed…)'),
    graceHours: reported(z.number().min(0)).default(24),
  })
  .strict();

/** What a notice between the parties is about (the events' `notice_sent.kind`). */
export const noticeKinds = [
  'names_list',
  'violation_notice',
  'extension_request',
  'closure_notice',
  'other',
] as const;

export const noticeObligation = z
  .object({
    ...obligationBase,
    kind: z.literal('notice'),
    notice: z
      .object({
        kind: z.enum(noticeKinds),
        to: z
          .array(slug)
          .min(1)
          .optional()
          .describe('organisations the notice must be addressed to (at least these)'),
      })
      .strict()
      .describe('the notice owed: a notice_sent of this kind from a party in `owedBy`'),
    before: z
      .union([
        z
          .object({ each: eventMatch, hours: reported(z.number().min(0)) })
          .strict()
          .describe('`hours` before each day on which a matching event happens (each release)'),
        z
          .object({
            scheduleOf: slug,
            time: clockTime.optional(),
            hours: reported(z.number().min(0)),
          })
          .strict()
          .describe("`hours` before each day of a schedule obligation's items (at `time`)"),
        z
          .object({
            days: z.array(dayNumber).min(1),
            time: clockTime.optional(),
            hours: reported(z.number().min(0)),
          })
          .strict()
          .describe('`hours` before each of these days (at `time`, default 00:00)'),
      ])
      .describe('when each notice is due'),
    warnHours: z.number().min(0).default(12),
  })
  .strict();

export const obligation = z.discriminatedUnion('kind', [
  quotaObligation,
  exchangeObligation,
  scheduleObligation,
  deadlineObligation,
  prohibitionObligation,
  permissionObligation,
  noticeObligation,
]);

/** Acknowledgement of notices between the parties and its escalation ladder. */
export const noticeRules = z
  .object({
    acknowledgeWithinHours: z
      .number()
      .min(0)
      .default(24)
      .describe('hours after a notice is sent by which every recipient acknowledges it'),
    escalate: z
      .array(
        z
          .object({
            afterHours: z.number().min(0).describe('counted from when the notice was sent'),
            to: z.enum(['mediators', 'guarantors']),
          })
          .strict(),
      )
      .default([
        { afterHours: 24, to: 'mediators' },
        { afterHours: 48, to: 'guarantors' },
      ])
      .describe('while a recipient has not acknowledged: whom to tell, and when'),
  })
  .strict();

export const agreementSchema = z
  .object({
    truce: z.literal(1).describe('version of the agreement format'),
    id: slug,
    title: z.string().min(1),
    version: z.number().int().min(1),
    supersedes: z
      .object({ id: slug, version: z.number().int().min(1) })
      .strict()
      .optional(),
    effectiveFrom: z
      .union([z.object({ day: dayNumber }).strict(), z.object({ at: instant }).strict()])
      .optional()
      .describe('for an amendment: from when this version is in force'),
    sources: z.array(sourceDocument).default([]),
    timeZone: timeZone.describe('IANA zone in which the text counts days, e.g. Asia/Gaza'),
    zeroHour: instant.describe('the instant the agreement takes effect'),
    zeroHourDay: dayNumber
      .default(0)
      .describe(
        'which day number the calendar day of zero hour is (1 when the text calls it Day 1)',
      ),
    parties: z.array(party).min(1),
    places: z.array(place).default([]),
    incidents: z
      .object({
        deadlines: z
          .object({
            report: z.number().min(0).optional(),
            triage: z.number().min(0).optional(),
            assign: z.number().min(0).optional(),
            investigate: z.number().min(0).optional(),
            finding: z.number().min(0).optional(),
            review: z.number().min(0).optional(),
            publish: z.number().min(0).optional(),
          })
          .strict()
          .optional()
          .describe(
            'hours allowed for each step of the incident workflow (defaults: report 48 after the occurrence, triage 24, assign 24, investigate 48, finding 168 after the report, review 72, publish 48)',
          ),
      })
      .strict()
      .optional()
      .describe(
        'how the cell handles incident reports (docs/EVENTS.md, the verification workflow)',
      ),
    geometry: z
      .object({
        file: z.string().min(1).describe('the GeoJSON zone layer, relative to this file'),
        sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, '64 lower-case hexadecimal digits')
          .describe('SHA-256 of the layer: pins the drawing to this version'),
      })
      .strict()
      .optional()
      .describe('zones, lines and places drawn as GeoJSON (docs/AGREEMENT-FORMAT.md#geometry)'),
    phases: z.array(phase).default([]),
    obligations: z.array(obligation).default([]),
    notices: noticeRules
      .optional()
      .describe('when notices must be acknowledged and whom to tell when they are not'),
    sourceProfiles: z
      .array(sourceProfile)
      .optional()
      .describe('how each source counts aid, to reconcile their figures'),
  })
  .strict();

export type AgreementInput = z.input<typeof agreementSchema>;
export type Agreement = z.output<typeof agreementSchema>;
export type Obligation = z.output<typeof obligation>;
export type ObligationKind = Obligation['kind'];
export type QuotaObligation = z.output<typeof quotaObligation>;
export type ExchangeObligation = z.output<typeof exchangeObligation>;
export type ScheduleObligation = z.output<typeof scheduleObligation>;
export type DeadlineObligation = z.output<typeof deadlineObligation>;
export type ProhibitionObligation = z.output<typeof prohibitionObligation>;
export type PermissionObligation = z.output<typeof permissionObligation>;
export type NoticeObligation = z.output<typeof noticeObligation>;
export type EventMatch = z.output<typeof eventMatch>;
export type Phase = z.output<typeof phase>;
export type Party = z.output<typeof party>;
export type ScheduleItem = z.output<typeof scheduleItem>;
export type ReleaseOrderRule = z.output<typeof releaseOrderRule>;
export type Place = z.output<typeof place>;
export type CrossingDetails = z.output<typeof crossingDetails>;
export type SourceProfile = z.output<typeof sourceProfile>;
