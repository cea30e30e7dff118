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

/** The JSON Schema of a batch's `rows` (what `batchRows` checks, with `checkBatchTable`). */
export const batchRowsJsonSchema = {
  minItems: 1,
  maxItems: maxBatchRows,
  type: 'array',
  items: { maxItems: 64, type: 'array', items: { type: ['number', 'null'] } },
} as const;

/**
 * A batch's rows: up to a thousand arrays of numbers, checked cell by cell by `checkBatchTable`
 * in one plain loop. A zod array of arrays would check each of the batch's ~10,000 cells through
 * a schema and copy every row (most of the time a batch took to validate); this only checks that
 * it is an array of the right length and passes it on as it is. Its JSON Schema is
 * `batchRowsJsonSchema` (`eventJsonSchema` writes it in).
 */
export const batchRows = z
  .custom<(number | null)[][]>(
    (value) => Array.isArray(value) && value.length >= 1 && value.length <= maxBatchRows,
    { message: `an array of 1 to ${maxBatchRows} rows` },
  )
  .describe(
    "one array per row, a cell per column: line, count and halfLoaded are numbers, any other cell the position of its text in values; null: none (a row without id has hxl-<first 16 hex digits of sha256>-<line>, without reportedAt the batch payload's)",
  );

type RowProblem = (path: (string | number)[], message: string) => void;

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
  const issue: RowProblem = (path, message) => ctx.addIssue({ code: 'custom', path, message });
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
  if (!Array.isArray(rows)) return;
  // Per column: the bounds of a number, or the texts of `values` checked so far (0: not yet,
  // 1: valid, 2: not) — a batch's rows share a few texts, each checked once. Plain loops with no
  // allocation per row: this runs for every cell of every imported row.
  const width = columns.length;
  const isNumber = new Uint8Array(width);
  const min = new Float64Array(width);
  const max = new Float64Array(width);
  columns.forEach((name, column) => {
    if (!numberFields.has(name)) return;
    isNumber[column] = 1;
    min[column] = name === 'line' ? 1 : 0;
    max[column] = name === 'line' ? 2 ** 31 : 1_000_000;
  });
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
  const rules: RowRules = {
    line: at.get('line')!,
    type: at.get('type')!,
    occurredAt: at.get('occurredAt') ?? -1,
    count: at.get('count') ?? -1,
    crossing: at.get('crossing') ?? -1,
    cargo: at.get('cargo') ?? -1,
    item: at.get('item') ?? -1,
    halfLoaded: at.get('halfLoaded') ?? -1,
    consignment: at.get('consignment') ?? -1,
  };
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row) || row.length !== width) {
      issue(
        ['rows', r],
        Array.isArray(row)
          ? `a row has ${width} cells, one per column`
          : `a row is an array of ${width} cells, one per column`,
      );
      continue;
    }
    for (let c = 0; c < width; c++) {
      const cell = row[c];
      if (cell === null) continue;
      const ok =
        typeof cell === 'number' &&
        Number.isInteger(cell) &&
        (isNumber[c] === 1
          ? cell >= min[c]! && cell <= max[c]!
          : cell >= 0 && cell < values.length && textOk(c, cell));
      if (!ok) issue(['rows', r, c], `not a valid ${columns[c]}`);
    }
    checkRowFields(row, values, rules, (message) => issue(['rows', r], message));
  }
}

/** The column of each field a row's type decides about (-1: no such column). */
interface RowRules {
  line: number;
  type: number;
  occurredAt: number;
  count: number;
  crossing: number;
  cargo: number;
  item: number;
  halfLoaded: number;
  consignment: number;
}

/** What a row must have, and must not, for its type. */
function checkRowFields(
  row: readonly (number | null)[],
  values: readonly string[],
  rules: RowRules,
  problem: (message: string) => void,
): void {
  const typeName = values[row[rules.type] ?? -1];
  // What a row must have depends on its type: without a valid one, that is all there is to say.
  if (typeName !== 'aid_trucks_crossed' && typeName !== 'aid_items_delivered') return;
  const has = (column: number) => column !== -1 && row[column] !== null;
  const isTrucks = typeName === 'aid_trucks_crossed';
  const what = isTrucks ? 'trucks' : 'items';
  const lacks = (name: string, column: number) => {
    if (!has(column)) problem(`no ${name} on a ${what} row`);
  };
  const extra = (name: string, column: number) => {
    if (has(column)) problem(`a ${name} on a ${what} row`);
  };
  lacks('line', rules.line);
  lacks('occurredAt', rules.occurredAt);
  lacks('count', rules.count);
  if (isTrucks) {
    lacks('crossing', rules.crossing);
    lacks('cargo', rules.cargo);
    extra('item', rules.item);
  } else {
    lacks('item', rules.item);
    extra('cargo', rules.cargo);
    extra('halfLoaded', rules.halfLoaded);
    extra('consignment', rules.consignment);
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
      rows: batchRows,
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
