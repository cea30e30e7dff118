import { z } from 'zod';
import { instant, slug } from '../agreement/schema.js';
import { count, eventId } from './primitives.js';
import type { EventOf, TruceEvent } from './schema.js';

/**
 * HXL hashtags (with attributes) of an imported row that truce does not map to a field, kept as
 * they were so that an export gives them back: `{ "#sector+cluster": "Food Security" }`.
 */
export const hxlAttributes = z
  .record(
    z
      .string()
      .max(200)
      .regex(/^#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$/, 'an HXL hashtag such as #sector+cluster'),
    z.string().max(2000),
  )
  .describe('HXL tags of the imported row that truce does not map, kept for the export');

/** A consignment's id, as the sending or registering organisation gives it. */
export const consignmentId = eventId.describe('the consignment, as registered (e.g. C-2025-0001)');

const aidTrucksCrossed = z
  .object({
    crossing: slug,
    cargo: slug.describe('food, water, medical, shelter, fuel…'),
    destination: slug.optional().describe('north, south…'),
    count,
    halfLoaded: count.optional().describe('of `count`, trucks not fully loaded'),
    consignment: z
      .string()
      .max(128)
      .optional()
      .describe('the consignment these trucks are: counted once, at its consignment_crossed'),
    hxl: hxlAttributes.optional(),
  })
  .strict();

const aidItemsDelivered = z
  .object({
    crossing: slug.optional(),
    item: slug.describe('tents, caravans, …'),
    count,
    destination: slug.optional(),
    hxl: hxlAttributes.optional(),
  })
  .strict();

/** Rows of one `aid_batch` at most: a batch is one ledger entry, verified and stored whole. */
export const maxBatchRows = 1000;

/**
 * The fields a column of an `aid_batch` can hold (besides kept HXL hashtags), and what each
 * cell of it is: a number (`line`, `count`, `halfLoaded`) or the position of a text in `values`.
 */
export const batchFields = [
  'line',
  'type',
  'id',
  'occurredAt',
  'reportedAt',
  'crossing',
  'cargo',
  'item',
  'destination',
  'count',
  'halfLoaded',
  'consignment',
] as const;
export type BatchField = (typeof batchFields)[number];
const numberFields: ReadonlySet<string> = new Set(['line', 'count', 'halfLoaded']);
const rowTypes = ['aid_trucks_crossed', 'aid_items_delivered'] as const;

/** What a text in a column must be, checked once per distinct text of the batch. */
const textOf: Record<Exclude<BatchField, 'line' | 'count' | 'halfLoaded'>, z.ZodType> = {
  type: z.enum(rowTypes),
  id: eventId,
  occurredAt: instant,
  reportedAt: instant,
  crossing: slug,
  cargo: slug,
  item: slug,
  destination: slug,
  consignment: z.string().max(128),
};
const keptText = z.string().max(2000);
const hashtagPattern = /^#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$/;

/**
 * The rows of a batch as a table: `columns` names each cell of a row, `values` holds every text
 * once (the same day, crossing and cargo repeat on most rows), and each row is an array of
 * numbers: a count, a line, or the position of its text in `values`; null where the row has no
 * value. Checked cell by cell here, each distinct text once.
 */
function checkBatchTable(
  payload: { columns: string[]; values: string[]; rows: (number | null)[][] },
  ctx: z.RefinementCtx,
): void {
  const { columns, values, rows } = payload;
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  const at = new Map<string, number>();
  columns.forEach((name, index) => {
    if (at.has(name)) issue(['columns', index], `${name} is also column ${at.get(name)}`);
    else if (!(batchFields as readonly string[]).includes(name) && !hashtagPattern.test(name)) {
      issue(['columns', index], `${name} is neither a field of a row nor an HXL hashtag`);
    }
    at.set(name, index);
  });
  for (const required of ['line', 'type', 'occurredAt', 'count'] as const) {
    if (!at.has(required)) issue(['columns'], `no ${required} column`);
  }
  if (at.size !== columns.length || !at.has('line') || !at.has('type')) return;
  // Per column: the bounds of a number, or the texts of `values` checked so far (0: not yet,
  // 1: valid, 2: not) — a batch's rows share a few texts, each checked once. Plain loops: this
  // runs for every cell of every imported row.
  const bounds = columns.map((name) =>
    numberFields.has(name)
      ? { min: name === 'line' ? 1 : 0, max: name === 'line' ? 2 ** 31 : 1_000_000 }
      : undefined,
  );
  const checked = columns.map(() => new Uint8Array(values.length));
  const textOk = (column: number, index: number): boolean => {
    const seen = checked[column]!;
    if (seen[index] === 0) {
      const name = columns[column]!;
      const schema = name in textOf ? textOf[name as keyof typeof textOf] : keptText;
      seen[index] = schema.safeParse(values[index]).success ? 1 : 2;
    }
    return seen[index] === 1;
  };
  const col = (name: BatchField) => at.get(name) ?? -1;
  const [type, crossing, cargo, item, half, consignment, occurred, count] = [
    col('type'),
    col('crossing'),
    col('cargo'),
    col('item'),
    col('halfLoaded'),
    col('consignment'),
    col('occurredAt'),
    col('count'),
  ];
  const width = columns.length;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== width) {
      issue(['rows', r], `a row has ${width} cells, one per column`);
      continue;
    }
    for (let c = 0; c < width; c++) {
      const cell = row[c];
      if (cell === null || cell === undefined) continue;
      const bound = bounds[c];
      const ok =
        Number.isInteger(cell) &&
        (bound === undefined
          ? cell >= 0 && cell < values.length && textOk(c, cell)
          : cell >= bound.min && cell <= bound.max);
      if (!ok) issue(['rows', r, c], `not a valid ${columns[c]}`);
    }
    const typeName = values[row[type] ?? -1];
    // What a row must have depends on its type: without a valid one, that is all there is to say.
    if (typeName !== 'aid_trucks_crossed' && typeName !== 'aid_items_delivered') continue;
    const isTrucks = typeName === 'aid_trucks_crossed';
    const has = (column: number) => column !== -1 && row[column] !== null;
    const lacks: string[] = [];
    const extra: string[] = [];
    if (row[col('line')] === null) lacks.push('line');
    if (!has(occurred)) lacks.push('occurredAt');
    if (!has(count)) lacks.push('count');
    if (isTrucks) {
      if (!has(crossing)) lacks.push('crossing');
      if (!has(cargo)) lacks.push('cargo');
      if (has(item)) extra.push('item');
    } else {
      if (!has(item)) lacks.push('item');
      if (has(cargo)) extra.push('cargo');
      if (has(half)) extra.push('halfLoaded');
      if (has(consignment)) extra.push('consignment');
    }
    const what = isTrucks ? 'trucks' : 'items';
    for (const name of lacks) issue(['rows', r], `no ${name} on a ${what} row`);
    for (const name of extra) issue(['rows', r], `a ${name} on a ${what} row`);
  }
}

/** Humanitarian aid: trucks and items through the crossings. */
export const aidPayloads = {
  aid_trucks_crossed: aidTrucksCrossed,
  aid_items_delivered: aidItemsDelivered,
  // Up to 1,000 rows of one imported file, reported by one organisation, in one signed entry
  // (docs/HXL.md): the ledger's cost is per entry, and a file is appended whole or not at all.
  // Everything that reads events sees the rows, never the batch (`rowEventsOf`).
  aid_batch: z
    .object({
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the file, in lower-case hex')
        .describe('the file the rows come from'),
      lines: z
        .object({ first: z.number().int().min(1), last: z.number().int().min(1) })
        .strict()
        .describe('the first and the last line of the rows'),
      reportedAt: instant.describe('when the rows without a reportedAt cell were reported'),
      columns: z
        .array(z.string().max(200))
        .min(1)
        .max(64)
        .describe(
          `what each cell of a row is: ${batchFields.join(', ')}, or a kept HXL hashtag (#sector+cluster)`,
        ),
      values: z
        .array(z.string().max(2000))
        .max(64 * maxBatchRows)
        .describe('the texts of the rows, each once'),
      rows: z
        .array(z.array(z.number().nullable()).max(64))
        .min(1)
        .max(maxBatchRows)
        .describe(
          "one array per row, a cell per column: line, count and halfLoaded are numbers, any other cell the position of its text in values; null: none (a row without id has hxl-<first 16 hex digits of sha256>-<line>, without reportedAt the batch payload's)",
        ),
    })
    .strict()
    .superRefine(checkBatchTable),
  // A consignment's steps (docs/EVENTS.md): registered → inspected → crossed → collected →
  // warehoused → distributed. Each step names the consignment; `packages/core/src/aid` folds them.
  consignment_registered: z
    .object({
      consignment: consignmentId,
      crossing: slug.describe('the crossing it is booked through'),
      cargo: slug.describe('food, water, medical, shelter, fuel…'),
      trucks: count.min(1),
      pallets: count.optional(),
      tonnes: z.number().min(0).max(1_000_000).optional(),
      destination: slug.describe('north, south…'),
      sender: slug.describe('the organisation that sends it'),
      receiver: slug.describe('the organisation that is to collect it inside'),
      hxl: hxlAttributes.optional(),
    })
    .strict(),
  consignment_inspected: z
    .object({
      consignment: consignmentId,
      outcome: z.enum(['cleared', 'rejected']),
      reason: z.string().min(1).max(4000).optional().describe('why it was rejected'),
      crossing: slug.optional(),
    })
    .strict()
    .refine((p) => p.outcome === 'cleared' || p.reason !== undefined, {
      message: 'a rejection gives its reason',
      path: ['reason'],
    }),
  consignment_crossed: z
    .object({
      consignment: consignmentId,
      crossing: slug,
      trucks: count.optional().describe('trucks that crossed; by default those registered'),
      halfLoaded: count.optional().describe('of the trucks, those not fully loaded'),
    })
    .strict(),
  consignment_collected: z
    .object({
      consignment: consignmentId,
      outcome: z
        .enum(['collected', 'uncollected', 'intercepted'])
        .describe('collected by the receiving agency, left at the crossing, or taken on the way'),
      by: slug.optional().describe('the agency that collected it'),
      trucks: count.optional().describe('trucks collected after repacking, when it differs'),
      reason: z.string().min(1).max(4000).optional(),
    })
    .strict(),
  consignment_warehoused: z
    .object({
      consignment: consignmentId,
      warehouse: slug,
      area: slug.optional().describe('north, south…'),
    })
    .strict(),
  consignment_distributed: z
    .object({
      consignment: consignmentId,
      area: slug.optional(),
      people: count.optional().describe('people reached, when counted'),
    })
    .strict(),
} as const;

/** The event types a batch's rows may have. */
export type BatchRowEvent = EventOf<'aid_trucks_crossed'> | EventOf<'aid_items_delivered'>;

/** The id of a row that the file gave none: from the file's hash and the row's line. */
export function importedRowId(sha256Hex: string, line: number): string {
  return `hxl-${sha256Hex.slice(0, 16)}-${line}`;
}

/**
 * The events a ledger event stands for: an `aid_batch`'s rows, each a whole event of the batch's
 * organisation, in file order; undefined for any other event (it stands for itself). The one
 * place batches are opened: the engine and the aid views call it where events enter them, so
 * that a batch of rows counts exactly as the same rows appended one by one.
 */
export function rowEventsOf(event: TruceEvent): BatchRowEvent[] | undefined {
  if (event.type !== 'aid_batch') return undefined;
  const { sha256, reportedAt, columns, values, rows } = event.payload;
  const source = event.source;
  const index = (name: BatchField) => columns.indexOf(name);
  const [line, type, id, occurred, reported, count] = [
    index('line'),
    index('type'),
    index('id'),
    index('occurredAt'),
    index('reportedAt'),
    index('count'),
  ];
  const fields = (['crossing', 'cargo', 'item', 'destination', 'consignment'] as const)
    .map((name) => [name, index(name)] as const)
    .filter(([, at]) => at !== -1);
  const half = index('halfLoaded');
  // In the order of their names, as in any event read back from its canonical JSON.
  const kept = columns
    .flatMap((name, at) => (name.startsWith('#') ? [[name, at] as const] : []))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = (row: (number | null)[], at: number) => {
    const cell = at === -1 ? null : row[at];
    return cell === null || cell === undefined ? undefined : values[cell];
  };
  return rows.map((row) => {
    const payload: Record<string, unknown> = {};
    for (const [name, at] of fields) {
      const value = text(row, at);
      if (value !== undefined) payload[name] = value;
    }
    payload.count = row[count];
    if (half !== -1 && row[half] !== null) payload.halfLoaded = row[half];
    if (kept.length > 0) {
      const hxl: Record<string, string> = {};
      let any = false;
      for (const [name, at] of kept) {
        const value = text(row, at);
        if (value !== undefined) {
          hxl[name] = value;
          any = true;
        }
      }
      if (any) payload.hxl = hxl;
    }
    return {
      id: text(row, id) ?? importedRowId(sha256, row[line]!),
      type: text(row, type),
      occurredAt: text(row, occurred),
      reportedAt: text(row, reported) ?? reportedAt,
      source,
      payload,
    } as BatchRowEvent;
  });
}
