import type { Agreement } from '../agreement/schema.js';
import { Calendar } from '../engine/calendar.js';
import type { EventOf } from '../events/schema.js';
import { fieldOf, type HxlField } from './columns.js';
import { type Hashtag, hashtagRowSearchLimit, isHashtagRow, parseHashtag } from './hashtag.js';

export type AidEvent = EventOf<'aid_trucks_crossed'> | EventOf<'aid_items_delivered'>;

export interface HxlReadOptions {
  agreement: Agreement;
  /**
   * The organisation that reports every row (the importing user's, or `--as`): rows without an
   * `#org` column or cell are its reports, rows naming another organisation are refused.
   * Without it, every row must name its organisation.
   */
  reportingOrg?: string | undefined;
  /** Date-times without an offset are read in the agreement's time zone; otherwise refused. */
  assumeZone?: boolean | undefined;
  /** `reportedAt` of the rows without a `#date+reported` cell: when the file is imported. */
  reportedAt: string;
  /** Generated ids are `<idPrefix>-<line>`; the prefix comes from the file's SHA-256. */
  idPrefix: string;
  /**
   * An id given on two rows: refused on the second (default), or only collected (`givenIds`
   * then lists every row's) for a reader of one part of a file, whose caller compares the parts.
   */
  duplicateIds?: 'refuse' | 'collect' | undefined;
}

/** A problem with one cell, row or the hashtag row, located as a user finds it in the file. */
export interface HxlProblem {
  /** 1-based line of the file. */
  line: number;
  /** 1-based column (spreadsheet column A = 1). */
  column?: number;
  hashtag?: string;
  message: string;
}

export type HxlRow =
  /** A row above the hashtag row (the header text, a title): not data. */
  | { kind: 'header' }
  | { kind: 'hashtags' }
  | { kind: 'blank' }
  | { kind: 'event'; event: AidEvent }
  | { kind: 'invalid'; problems: HxlProblem[] }
  /** A row after the file was found unreadable as a whole (no hashtag row, bad columns). */
  | { kind: 'skipped' };

/** Ids generated from a file's hash: `hxl-` and the first 16 hex digits, then the line. */
export function hxlIdPrefix(sha256Hex: string): string {
  return `hxl-${sha256Hex.slice(0, 16)}`;
}

interface Column {
  index: number;
  hashtag: Hashtag;
  field: HxlField | undefined;
}

const slugPattern = /^[a-z0-9][a-z0-9._-]*$/;
const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const offsetInstant =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;
const dayOnly = /^(\d{4})-(\d{2})-(\d{2})$/;
const maxCount = 1_000_000;

/** "Kerem Shalom crossing", "kerem-shalom" and "KEREM SHALOM" are one key. */
function lookupKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/\bcrossing\b/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

function lookupTable(entries: readonly { id: string; name: string }[]): Map<string, string> {
  const table = new Map<string, string>();
  for (const { id, name } of entries) {
    table.set(lookupKey(name), id);
    table.set(lookupKey(id), id);
  }
  return table;
}

/** "Medical supplies" → "medical-supplies"; undefined if no slug results. */
function slugOf(text: string): string | undefined {
  const slug = text
    .trim()
    .toLowerCase()
    .replace(/[\s/]+/gu, '-');
  return slugPattern.test(slug) && slug.length <= 120 ? slug : undefined;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/**
 * The values of a column repeat (the same crossings, organisations, days on thousands of rows):
 * what was worked out for a value is kept, up to a bound so that memory stays flat.
 */
class Memo<V> {
  readonly #values = new Map<string, V>();
  get(key: string, make: (key: string) => V): V {
    const known = this.#values.get(key);
    if (known !== undefined || this.#values.has(key)) return known as V;
    const value = make(key);
    if (this.#values.size >= 4096) this.#values.clear();
    this.#values.set(key, value);
    return value;
  }
}

/**
 * An agreement's calendar, shared by the readers of one file's segments (its time zone's rules
 * and day boundaries are worked out once, not once a segment).
 */
const calendars = new WeakMap<Agreement, Calendar>();
function calendarOf(agreement: Agreement): Calendar {
  let calendar = calendars.get(agreement);
  if (calendar === undefined) {
    calendar = new Calendar(agreement.timeZone, agreement.zeroHour, agreement.zeroHourDay);
    calendars.set(agreement, calendar);
  }
  return calendar;
}

/**
 * Maps the records of an HXL CSV file, one at a time, to aid events: the first rows until the
 * hashtag row are headers, then every row is an event or a list of problems. Holds no rows, so
 * a file of any size streams through it; the only state that grows is the set of ids given in an
 * `#meta+id` column (to refuse duplicates).
 */
export class HxlReader {
  readonly #options: HxlReadOptions;
  readonly #calendar: Calendar;
  readonly #crossings: Map<string, string>;
  readonly #areas: Map<string, string>;
  readonly #orgs: Map<string, string>;
  readonly #orgIds: ReadonlySet<string>;
  #columns: Column[] | undefined;
  #byField = new Map<HxlField, Column>();
  #rowsSeen = 0;
  #fatal = false;
  #hashtagLine: number | undefined;
  readonly #ids = new Map<string, number>();
  #given: [string, number][] = [];
  readonly #keys = new Memo<string>();
  readonly #slugs = new Memo<string | undefined>();
  readonly #instants = new Memo<string | undefined>();

  constructor(options: HxlReadOptions) {
    this.#options = options;
    const { agreement } = options;
    this.#calendar = calendarOf(agreement);
    this.#crossings = lookupTable(agreement.places.filter((place) => place.kind === 'crossing'));
    this.#areas = lookupTable(agreement.places.filter((place) => place.kind === 'area'));
    this.#orgs = lookupTable(agreement.parties);
    this.#orgIds = new Set(agreement.parties.map((party) => party.id));
  }

  /** The line of the hashtag row, once found. */
  get hashtagLine(): number | undefined {
    return this.#hashtagLine;
  }

  /**
   * The ids given in the `#meta+id` column since the last call, with their lines: each id's
   * first row (`refuse`), or every row (`collect`).
   */
  takeGivenIds(): [string, number][] {
    const taken = this.#given;
    this.#given = [];
    return taken;
  }

  /** The column that gives ids (1-based) and its hashtag, if the file has one. */
  get idColumn(): { column: number; hashtag: string } | undefined {
    const column = this.#byField.get('id');
    return column && { column: column.index + 1, hashtag: column.hashtag.normal };
  }

  /** Whether the file was refused as a whole (its hashtag row, its delimiter). */
  get refused(): boolean {
    return this.#fatal;
  }

  /** The hashtags of the columns kept as they are (for the report). */
  get keptHashtags(): string[] {
    return (this.#columns ?? []).filter((c) => c.field === undefined).map((c) => c.hashtag.normal);
  }

  /** One CSV record and the 1-based line it starts on. */
  read(cells: readonly string[], line: number): HxlRow {
    if (this.#fatal) return { kind: 'skipped' };
    if (this.#columns === undefined) return this.#beforeHashtags(cells, line);
    if (cells.every((cell) => cell.trim() === '')) return { kind: 'blank' };
    return this.#row(cells, line);
  }

  /** Problems of the file as a whole, once every record was read. */
  finish(lastLine: number): HxlProblem[] {
    if (this.#columns !== undefined || this.#fatal) return [];
    return [
      {
        line: Math.max(1, lastLine),
        message:
          'no HXL hashtag row (a row of hashtags such as #date, #loc+name, #indicator+num+trucks under the header); add one, see docs/HXL.md',
      },
    ];
  }

  #beforeHashtags(cells: readonly string[], line: number): HxlRow {
    this.#rowsSeen++;
    if (isHashtagRow(cells)) return this.#hashtagRow(cells, line);
    const [only] = cells;
    if (cells.length === 1 && only !== undefined) {
      for (const [delimiter, name] of [
        [';', 'semicolons'],
        ['\t', 'tabs'],
        ['|', 'vertical bars'],
      ] as const) {
        if (only.includes(delimiter) && isHashtagRow(only.split(delimiter))) {
          this.#fatal = true;
          return {
            kind: 'invalid',
            problems: [
              {
                line,
                column: 1,
                message: `the columns are separated by ${name}, not commas; save the file as CSV with commas, or give the delimiter (--delimiter "${delimiter === '\t' ? '\\t' : delimiter}", ?delimiter=)`,
              },
            ],
          };
        }
      }
    }
    if (this.#rowsSeen >= hashtagRowSearchLimit) {
      this.#fatal = true;
      return {
        kind: 'invalid',
        problems: [
          {
            line,
            message: `no HXL hashtag row in the first ${hashtagRowSearchLimit} rows; add a row of hashtags (#date, #loc+name, #indicator+num+trucks…) under the header, see docs/HXL.md`,
          },
        ],
      };
    }
    return { kind: 'header' };
  }

  #hashtagRow(cells: readonly string[], line: number): HxlRow {
    this.#hashtagLine = line;
    const columns: Column[] = [];
    const problems: HxlProblem[] = [];
    cells.forEach((cell, index) => {
      const hashtag = cell.trim() === '' ? undefined : parseHashtag(cell);
      if (!hashtag) return;
      const field = fieldOf(hashtag);
      const column = { index, hashtag, field };
      if (field !== undefined) {
        const earlier = this.#byField.get(field);
        if (earlier) {
          problems.push({
            line,
            column: index + 1,
            hashtag: hashtag.normal,
            message: `${hashtag.normal} says the same as ${earlier.hashtag.normal} in column ${earlier.index + 1}; keep one of them`,
          });
          return;
        }
        this.#byField.set(field, column);
      } else if (
        columns.some((c) => c.field === undefined && c.hashtag.normal === hashtag.normal)
      ) {
        problems.push({
          line,
          column: index + 1,
          hashtag: hashtag.normal,
          message: `${hashtag.normal} appears twice; add an attribute to tell the columns apart (e.g. ${hashtag.normal}+alt)`,
        });
        return;
      }
      columns.push(column);
    });
    const has = (field: HxlField) => this.#byField.has(field);
    const missing = (message: string) => problems.push({ line, message });
    if (!has('occurredAt')) missing('no #date column: each row needs the day it counts');
    if (!has('trucks') && !has('items')) {
      missing('no count column: #indicator+num+trucks (trucks) or #indicator+num+items (items)');
    }
    if (!has('sourceCode') && !has('sourceName') && this.#options.reportingOrg === undefined) {
      missing(
        'no #org+code column: say which organisation reports the rows (or import as one organisation)',
      );
    }
    if (has('trucks') && !has('crossingCode') && !has('crossingName')) {
      missing('no #loc+code or #loc+name column: trucks are counted at a crossing');
    }
    if (has('halfLoaded') && !has('trucks')) {
      missing(
        '#indicator+num+halfloaded needs #indicator+num+trucks: half-loaded of which trucks?',
      );
    }
    this.#columns = columns;
    if (problems.length > 0) {
      this.#fatal = true;
      return { kind: 'invalid', problems };
    }
    return { kind: 'hashtags' };
  }

  #cell(cells: readonly string[], field: HxlField): { value: string; column: Column } | undefined {
    const column = this.#byField.get(field);
    if (!column) return undefined;
    const value = (cells[column.index] ?? '').trim();
    return value === '' ? undefined : { value, column };
  }

  #row(cells: readonly string[], line: number): HxlRow {
    const problems: HxlProblem[] = [];
    const problem = (column: Column, message: string) =>
      problems.push({ line, column: column.index + 1, hashtag: column.hashtag.normal, message });

    const occurred = this.#cell(cells, 'occurredAt');
    let occurredAt: string | undefined;
    if (!occurred) {
      const column = this.#byField.get('occurredAt')!;
      problem(column, 'no date: each row needs the day (2025-01-19) or time it counts');
    } else {
      occurredAt = this.#cachedInstant(occurred.value, (m) => problem(occurred.column, m));
    }
    const reported = this.#cell(cells, 'reportedAt');
    const reportedAt = reported
      ? this.#cachedInstant(reported.value, (m) => problem(reported.column, m))
      : this.#options.reportedAt;

    const source = this.#source(cells, problem);
    const trucksCell = this.#cell(cells, 'trucks');
    const itemsCell = this.#cell(cells, 'items');
    const halfCell = this.#cell(cells, 'halfLoaded');
    const count = (cell: { value: string; column: Column } | undefined) =>
      cell ? this.#count(cell.value, (m) => problem(cell.column, m)) : undefined;
    const trucks = count(trucksCell);
    const items = count(itemsCell);
    const halfLoaded = count(halfCell);
    if (trucksCell && itemsCell) {
      problem(
        itemsCell.column,
        'a row counts trucks or items, not both; put the items on a row of their own',
      );
    } else if (!trucksCell && !itemsCell) {
      const column = this.#byField.get('trucks') ?? this.#byField.get('items')!;
      problem(column, 'no count: the row says neither how many trucks nor how many items');
    }
    if (halfCell && !trucksCell) {
      problem(halfCell.column, 'half-loaded trucks on a row without a truck count');
    }
    if (trucks !== undefined && halfLoaded !== undefined && halfLoaded > trucks) {
      problem(halfCell!.column, `${halfLoaded} half-loaded trucks of ${trucks}: more than all`);
    }

    const crossing = this.#place(cells, 'crossingCode', 'crossingName', this.#crossings, problem, {
      what: 'crossing',
      list: 'crossings',
    });
    if (trucksCell && !this.#hasAny(cells, 'crossingCode', 'crossingName')) {
      const column = this.#byField.get('crossingCode') ?? this.#byField.get('crossingName')!;
      problem(column, 'no crossing: trucks are counted at a crossing');
    }
    const destination = this.#place(
      cells,
      'destinationCode',
      'destinationName',
      this.#areas,
      problem,
      { what: 'destination area', list: 'areas' },
    );
    const category = this.#cell(cells, 'category');
    const itemName = this.#cell(cells, 'itemName');
    const kindCell = trucksCell ? (category ?? itemName) : (itemName ?? category);
    let kind: string | undefined;
    if (kindCell) {
      kind = this.#slugs.get(kindCell.value, slugOf);
      if (kind === undefined) {
        problem(
          kindCell.column,
          `"${kindCell.value}" is not a category truce can keep; use letters and digits (food, water, medical, shelter, fuel, tents…)`,
        );
      }
    } else {
      const column =
        this.#byField.get(trucksCell ? 'category' : 'itemName') ??
        this.#byField.get(trucksCell ? 'itemName' : 'category');
      const what = trucksCell ? 'cargo (#item+type: food, fuel…)' : 'item (#item+name: tents…)';
      if (column) problem(column, `no ${what}`);
      else problems.push({ line, message: `no ${what} column` });
    }
    const consignment = this.#cell(cells, 'consignment');
    if (consignment && consignment.value.length > 128) {
      problem(consignment.column, 'a consignment reference has at most 128 characters');
    }
    const id = this.#id(cells, line, problem);

    const hxl: Record<string, string> = {};
    let kept = 0;
    for (const column of this.#columns!) {
      if (column.field !== undefined) continue;
      const value = cells[column.index] ?? '';
      if (value.trim() === '') continue;
      if (value.length > 2000) {
        problem(column, 'a value has at most 2,000 characters');
        continue;
      }
      hxl[column.hashtag.normal] = value;
      kept++;
    }

    if (problems.length > 0) return { kind: 'invalid', problems };
    // Built field by field (no spreads): this runs once per row of files of any size.
    if (trucksCell) {
      const payload: EventOf<'aid_trucks_crossed'>['payload'] = {
        crossing: crossing!,
        cargo: kind!,
        count: trucks!,
      };
      if (destination !== undefined) payload.destination = destination;
      if (halfLoaded !== undefined) payload.halfLoaded = halfLoaded;
      if (consignment) payload.consignment = consignment.value;
      if (kept > 0) payload.hxl = hxl;
      return {
        kind: 'event',
        event: {
          id,
          type: 'aid_trucks_crossed',
          occurredAt: occurredAt!,
          reportedAt: reportedAt!,
          source: source!,
          payload,
        },
      };
    }
    const payload: EventOf<'aid_items_delivered'>['payload'] = { item: kind!, count: items! };
    if (crossing !== undefined) payload.crossing = crossing;
    if (destination !== undefined) payload.destination = destination;
    if (kept > 0) payload.hxl = hxl;
    return {
      kind: 'event',
      event: {
        id,
        type: 'aid_items_delivered',
        occurredAt: occurredAt!,
        reportedAt: reportedAt!,
        source: source!,
        payload,
      },
    };
  }

  #hasAny(cells: readonly string[], ...fields: HxlField[]): boolean {
    return fields.some((field) => this.#cell(cells, field) !== undefined);
  }

  #id(cells: readonly string[], line: number, problem: (c: Column, m: string) => void): string {
    const given = this.#cell(cells, 'id');
    if (!given) return `${this.#options.idPrefix}-${line}`;
    if (given.value.length > 128 || !idPattern.test(given.value)) {
      problem(
        given.column,
        `"${given.value}" is not an event id (letters, digits, ".", "_", ":", "-")`,
      );
    } else if (this.#options.duplicateIds === 'collect') {
      this.#given.push([given.value, line]);
    } else {
      const earlier = this.#ids.get(given.value);
      if (earlier !== undefined) {
        problem(given.column, `event id ${given.value} is also on line ${earlier}`);
      } else {
        this.#ids.set(given.value, line);
        this.#given.push([given.value, line]);
      }
    }
    return given.value;
  }

  #source(cells: readonly string[], problem: (c: Column, m: string) => void): string | undefined {
    const reportingOrg = this.#options.reportingOrg;
    const cell = this.#cell(cells, 'sourceCode') ?? this.#cell(cells, 'sourceName');
    if (!cell) {
      if (reportingOrg !== undefined) return reportingOrg;
      const column = this.#byField.get('sourceCode') ?? this.#byField.get('sourceName')!;
      problem(column, 'no organisation: say which organisation reports this row');
      return undefined;
    }
    // The importing organisation names itself as it likes, in the agreement or not.
    const own =
      reportingOrg !== undefined && this.#key(cell.value) === this.#key(reportingOrg)
        ? reportingOrg
        : undefined;
    const org = own ?? this.#orgs.get(this.#key(cell.value));
    if (org === undefined || (own === undefined && !this.#orgIds.has(org))) {
      problem(
        cell.column,
        `"${cell.value}" is not an organisation of the agreement (${[...this.#orgIds].join(', ')})`,
      );
      return undefined;
    }
    if (reportingOrg !== undefined && org !== reportingOrg) {
      problem(
        cell.column,
        `this row is reported by ${org}, and the file is imported for ${reportingOrg}; each organisation imports its own figures`,
      );
      return undefined;
    }
    return org;
  }

  #place(
    cells: readonly string[],
    codeField: HxlField,
    nameField: HxlField,
    table: Map<string, string>,
    problem: (c: Column, m: string) => void,
    words: { what: string; list: string },
  ): string | undefined {
    const cell = this.#cell(cells, codeField) ?? this.#cell(cells, nameField);
    if (!cell) return undefined;
    const id = table.get(this.#key(cell.value));
    if (id === undefined) {
      const known = [...new Set(table.values())].join(', ');
      problem(
        cell.column,
        `"${cell.value}" is not a ${words.what} of the agreement (${words.list}: ${known || 'none'})`,
      );
    }
    return id;
  }

  #key(text: string): string {
    return this.#keys.get(text, lookupKey);
  }

  /** `#instant`, remembered for the values that are instants (problems are found again). */
  #cachedInstant(text: string, fail: (message: string) => void): string | undefined {
    const known = this.#instants.get(text, (value) => this.#instant(value, () => {}));
    return known ?? this.#instant(text, fail);
  }

  #count(text: string, fail: (message: string) => void): number | undefined {
    if (text.length <= 7 && /^\d+$/.test(text)) {
      const value = Number(text);
      if (value <= maxCount) return value;
    }
    const plain = /^\d{1,3}(,\d{3})+$/.test(text) ? text.replaceAll(',', '') : text;
    if (/^-\s*\d/.test(plain)) {
      fail(`${text} is negative; a count is 0 or more`);
      return undefined;
    }
    if (!/^\d+(\.0+)?$/.test(plain)) {
      fail(
        /^\d*[.,]\d+$/.test(plain)
          ? `${text} is not a whole number; count trucks and items in whole units`
          : `"${text}" is not a number`,
      );
      return undefined;
    }
    const value = Number.parseInt(plain, 10);
    if (value > maxCount) {
      fail(`${text} is more than ${maxCount.toLocaleString('en-US')}; check the column`);
      return undefined;
    }
    return value;
  }

  /** An ISO 8601 instant with its offset, from a cell: a day, or a date-time. */
  #instant(text: string, fail: (message: string) => void): string | undefined {
    const day = dayOnly.exec(text);
    if (day) {
      const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])];
      if (!realDate(year, month, date)) {
        fail(`${text} is not a date of the calendar`);
        return undefined;
      }
      // A daily figure counts for that day of the agreement's calendar: noon there, so that no
      // offset or clock change can move it to another day.
      return this.#local(year, month, date, 12, 0, 0, '');
    }
    const match = offsetInstant.exec(text);
    if (!match) {
      fail(`"${text}" is not a date: use ISO 8601, 2025-01-19 or 2025-01-19T16:00+02:00`);
      return undefined;
    }
    const [year, month, date, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(match[i]));
    const second = Number(match[6] ?? 0);
    if (!realDate(year!, month!, date!) || hour! > 23 || minute! > 59 || second > 59) {
      fail(`${text} is not a time of the calendar`);
      return undefined;
    }
    if (match[8] === undefined) {
      if (!this.#options.assumeZone) {
        fail(
          `${text} has no UTC offset; write it as ${text.replace(' ', 'T')}+02:00 (or Z), or import with --assume-zone to read it in the agreement's zone (${this.#options.agreement.timeZone})`,
        );
        return undefined;
      }
      return this.#local(year!, month!, date!, hour!, minute!, second, match[7] ?? '');
    }
    return text.replace(' ', 'T');
  }

  #local(
    year: number,
    month: number,
    date: number,
    hour: number,
    minute: number,
    second: number,
    fraction: string,
  ): string {
    const naive = Date.UTC(year, month - 1, date, hour, minute, second);
    let guess = naive - this.#calendar.offsetAt(naive);
    guess = naive - this.#calendar.offsetAt(guess);
    const formatted = this.#calendar.format(guess);
    return `${formatted.slice(0, 19)}${fraction}${formatted.slice(19)}`;
  }
}

/**
 * The instant a local day of the agreement starts (`2025-01-19` → `2025-01-19T00:00:00+02:00`),
 * or undefined if `day` is not a date: export filters are days of the agreement's calendar.
 */
export function startOfLocalDay(agreement: Agreement, day: string): string | undefined {
  const match = dayOnly.exec(day);
  if (!match) return undefined;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!realDate(year, month, date)) return undefined;
  const calendar = new Calendar(agreement.timeZone, agreement.zeroHour, agreement.zeroHourDay);
  const naive = Date.UTC(year, month - 1, date);
  let guess = naive - calendar.offsetAt(naive);
  guess = naive - calendar.offsetAt(guess);
  return calendar.format(guess);
}

function realDate(year: number, month: number, date: number): boolean {
  const value = new Date(Date.UTC(year, month - 1, date));
  return (
    value.getUTCFullYear() === year &&
    value.getUTCMonth() === month - 1 &&
    value.getUTCDate() === date &&
    `${pad(year, 4)}`.length === 4
  );
}
