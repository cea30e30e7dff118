import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Worker } from 'node:worker_threads';
import { type Agreement, type hxl, TruceError } from '@truce/core';
import { startWorker } from '../worker-module.js';
import { HxlDecoder, type HxlEncoding } from './decode.js';
import {
  type HeadRecord,
  maxListedProblems,
  noRows,
  type RowCounts,
  SegmentReader,
  type SegmentResult,
  type SegmentSettings,
} from './segment-reader.js';
import type { SegmentAnswer, SegmentJob, SegmentThreadData } from './segment-thread.js';
import { defaultSegmentBytes, type Segment, Segmenter } from './segments.js';

export { maxListedProblems };

export interface HxlFileOptions {
  agreement: Agreement;
  reportingOrg?: string | undefined;
  assumeZone?: boolean | undefined;
  reportedAt: string;
  encoding: HxlEncoding;
  /** Between columns; HXL CSV uses commas. */
  delimiter?: string | undefined;
  /** Called as bytes are read (for a progress bar). */
  onProgress?: ((bytes: number) => void) | undefined;
  /**
   * Worker threads that read segments beside this thread (default: one per other core, at most
   * three; 0: all on this thread). A file of one segment is read here whatever this says.
   */
  threads?: number | undefined;
  /** The old-generation heap of each reading thread, in MB (default 96). */
  threadHeapMb?: number | undefined;
  /** Where segments are cut (docs/HXL.md); only tests change it. */
  segmentBytes?: number | undefined;
  /** Filled with the rows grouped into `aid_batch` drafts, in file order (an import). */
  batches?: hxl.BatchDraft[] | undefined;
}

/** What a pass over a file found: enough for the import report, nothing per row. */
export interface HxlFileSummary extends RowCounts {
  sha256: string;
  bytes: number;
  encoding: 'utf-8' | 'windows-1256' | undefined;
  /** The line of the hashtag row. */
  hashtagLine: number | undefined;
  /** Hashtags of the columns kept as they are in each event's `payload.hxl`. */
  keptHashtags: string[];
  firstOccurredAt: string | undefined;
  lastOccurredAt: string | undefined;
  problems: hxl.HxlProblem[];
  /** All problems, also those past `maxListedProblems`. */
  problemCount: number;
}

/** Counts bytes and hashes them on the way through. */
class HashTap extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  readonly #onProgress: ((bytes: number) => void) | undefined;

  constructor(onProgress: ((bytes: number) => void) | undefined) {
    super();
    this.#onProgress = onProgress;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.#onProgress?.(this.bytes);
    done(null, chunk);
  }
}

/** Worker threads for a large file, besides this one: one per other core, at most three. */
export function defaultReadThreads(): number {
  return Math.min(3, availableParallelism() - 1);
}

/**
 * One streaming pass over an HXL CSV file: bytes → hash → text → segments of whole records
 * (segments.ts) → CSV records → events, counted, checked and (for an import) grouped into batches.
 * Memory does not grow with the file (beyond the batches an import asks for): a segment is read
 * and let go. The first segments, up to the hashtag row, are read on this thread; the rest on
 * worker threads side by side, each starting from the file's head records, and their results are
 * put together in file order, so that what a file gives does not depend on which thread read
 * what. `onEvent`, given each event as it is read, keeps every segment on this thread.
 * `idPrefix` names the generated ids; a first pass that only validates may pass any.
 */
export async function readHxlFile(
  source: Readable,
  options: HxlFileOptions & { idPrefix: string },
  onEvent?: (event: hxl.AidEvent, line: number) => void,
): Promise<HxlFileSummary> {
  const settings: SegmentSettings = {
    reader: {
      agreement: options.agreement,
      reportingOrg: options.reportingOrg,
      assumeZone: options.assumeZone,
      reportedAt: options.reportedAt,
      idPrefix: options.idPrefix,
    },
    delimiter: options.delimiter ?? ',',
    batches: options.batches !== undefined,
  };
  const threads = onEvent ? 0 : (options.threads ?? defaultReadThreads());
  const tap = new HashTap(options.onProgress);
  const decoder = new HxlDecoder(options.encoding);
  const segmentBytes = options.segmentBytes ?? defaultSegmentBytes;
  const buffers = new SegmentBuffers(segmentBytes);
  const segmenter = new Segmenter(segmentBytes, (size) => buffers.take(size));
  const here = new SegmentReader(settings, onEvent);
  /** Once the hashtag row is read: the records up to it, where every other reader starts. */
  let head: HeadRecord[] | undefined;
  const results: Promise<SegmentResult>[] = [];
  let pool: SegmentPool | undefined;
  let stopped = false;

  /**
   * Reads a segment. Up to the hashtag row, segments are read here, in order, by one reader;
   * after it (a file of several segments), each goes to a worker thread with room or is read
   * here by a reader of its own that starts from the head records (this thread is one of the
   * readers: it also keeps reading the file, which costs little). Either way a segment's result
   * is the same. The threads are started with the first of several segments, so that they are
   * ready once the head is read. While every thread has two segments in hand, this thread reads
   * the next one itself: the file is read no faster than it can be read.
   */
  const read = (segment: Segment, more: boolean): void => {
    if (stopped) return;
    if (more && threads > 0 && pool === undefined)
      pool = new SegmentPool(threads, settings, buffers, options.threadHeapMb ?? 96);
    // The first segment's line ends are found as csv-parse finds them; the others are told.
    const lineEnd = segmenter.recordDelimiter;
    const delimiter = segment.index === 0 ? undefined : lineEnd;
    if (head === undefined) {
      const goOn = here.readSegment(segment.bytes, segment.firstLine, delimiter, lineEnd);
      buffers.give(segment.bytes);
      results.push(Promise.resolve(here.take()));
      // Refused as a whole (no hashtag row, bad columns): its problems are known.
      if (!goOn) stopped = true;
      else if (here.started) head = here.head;
      return;
    }
    if (pool?.hasRoom()) {
      results.push(pool.run(segment, delimiter, lineEnd, head));
      return;
    }
    const reader = new SegmentReader(settings, onEvent, head);
    try {
      reader.readSegment(segment.bytes, segment.firstLine, delimiter, lineEnd);
      buffers.give(segment.bytes);
      results.push(Promise.resolve(reader.take()));
    } catch (error) {
      // As a thread's error: said if no earlier segment has one of its own.
      const failed = Promise.reject(error);
      failed.catch(() => {});
      results.push(failed);
    }
  };

  // The earliest failure in file order is the file's (its CSV error: later segments may have
  // been cut inside its unclosed quote).
  const done: SegmentResult[] = [];
  try {
    await pipeline(source, tap, decoder, async (chunks: AsyncIterable<Buffer>) => {
      // Read to the end even when refused early: the hash is of the whole file.
      for await (const chunk of chunks) {
        for (const segment of segmenter.push(chunk)) read(segment, true);
      }
      const last = segmenter.end();
      if (last) read(last, false);
    });
    for (const result of results) done.push(await result);
  } catch (error) {
    // Every segment's answer is in (or let go) before the error leaves.
    await Promise.allSettled(results);
    throw error;
  } finally {
    await pool?.close();
  }
  return summaryOf(done, here, settings.batches ? options.batches : undefined, {
    sha256: tap.hash.copy().digest('hex'),
    bytes: tap.bytes,
    encoding: decoder.encoding,
  });
}

/** The results of a file's segments as one summary (and its batches, in file order). */
function summaryOf(
  results: readonly SegmentResult[],
  here: SegmentReader,
  batches: hxl.BatchDraft[] | undefined,
  file: Pick<HxlFileSummary, 'sha256' | 'bytes' | 'encoding'>,
): HxlFileSummary {
  const summary: HxlFileSummary = {
    ...file,
    hashtagLine: here.reader.hashtagLine,
    keptHashtags: here.reader.keptHashtags,
    ...noRows(),
    firstOccurredAt: undefined,
    lastOccurredAt: undefined,
    problems: [],
    problemCount: 0,
  };
  const sources = new Set<string>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const problems: hxl.HxlProblem[] = [];
  // An id given on two segments' rows: each segment's reader saw only its own.
  const ids = new Map<string, number>();
  const idColumn = here.reader.idColumn;
  let lastLine = 0;
  for (const result of results) {
    summary.events += result.events;
    summary.trucksRows += result.trucksRows;
    summary.trucks += result.trucks;
    summary.itemsRows += result.itemsRows;
    summary.items += result.items;
    for (const source of result.sources) sources.add(source);
    if (result.first && result.first.ms < first) {
      first = result.first.ms;
      summary.firstOccurredAt = result.first.at;
    }
    if (result.last && result.last.ms > last) {
      last = result.last.ms;
      summary.lastOccurredAt = result.last.at;
    }
    summary.problemCount += result.problemCount;
    problems.push(...result.problems);
    for (const [id, line] of result.givenIds) {
      const earlier = ids.get(id);
      if (earlier === undefined) ids.set(id, line);
      else if (idColumn) {
        summary.problemCount++;
        problems.push({
          line,
          column: idColumn.column,
          hashtag: idColumn.hashtag,
          message: `event id ${id} is also on line ${earlier}`,
        });
      }
    }
    if (batches && summary.problemCount === 0) batches.push(...result.drafts);
    lastLine = Math.max(lastLine, result.lastLine);
  }
  if (summary.problemCount === 0) {
    const whole = here.reader.finish(lastLine);
    summary.problemCount += whole.length;
    problems.push(...whole);
  }
  if (batches && summary.problemCount > 0) batches.length = 0;
  // In line order (stable: a row's own problems keep theirs), the first ones listed.
  problems.sort((a, b) => a.line - b.line);
  summary.problems = problems.slice(0, maxListedProblems);
  summary.sources = [...sources].sort();
  return summary;
}

/**
 * The memory of segments, reused: a file's reading holds a few segments' worth whatever its size
 * (a new buffer per segment would leave dead ones, outside the JavaScript heap, for the garbage
 * collector to find only every few dozen megabytes).
 */
class SegmentBuffers {
  readonly #capacity: number;
  readonly #free: ArrayBuffer[] = [];

  constructor(segmentBytes: number) {
    // A segment is its size and the rest of a line, seldom more.
    this.#capacity = segmentBytes + 64 * 1024;
  }

  take(size: number): Buffer {
    const free = size <= this.#capacity ? this.#free.pop() : undefined;
    const memory = free ?? new ArrayBuffer(Math.max(size, this.#capacity));
    return Buffer.from(memory, 0, size);
  }

  give(bytes: Buffer): void {
    const memory = bytes.buffer as ArrayBuffer;
    if (memory.byteLength === this.#capacity && this.#free.length < 8) this.#free.push(memory);
  }
}

/**
 * Worker threads for the segments after the head, started when the first such segment comes. A
 * segment goes to the thread with the fewest in hand; `room` waits while every thread has two
 * (so that the file is read no faster than the threads read it).
 */
class SegmentPool {
  readonly #threads: { worker: Worker; jobs: number }[] = [];
  readonly #waiting = new Map<
    number,
    { resolve: (r: SegmentResult) => void; reject: (e: unknown) => void }
  >();

  readonly #buffers: SegmentBuffers;
  /** Set once a thread failed (out of memory…): the file's reading fails with it. */
  #failure: Error | undefined;
  #closing = false;

  constructor(count: number, settings: SegmentSettings, buffers: SegmentBuffers, heapMb: number) {
    this.#buffers = buffers;
    for (let i = 0; i < count; i++) {
      const worker = startWorker(
        'hxl/segment-thread',
        ['hxl/segment-thread', 'hxl/segment-reader', 'hxl/segments'],
        {
          workerData: { settings } satisfies SegmentThreadData,
          // A segment's records are a few megabytes at most: small heaps keep a thread's memory
          // flat (V8 otherwise grows them with the work done, by tens of megabytes).
          resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: heapMb },
        },
      );
      const thread = { worker, jobs: 0 };
      worker.on('message', (answer: SegmentAnswer) => {
        thread.jobs--;
        const waiting = this.#waiting.get(answer.index);
        this.#waiting.delete(answer.index);
        // The segment's memory comes back with the answer, for the next segment.
        this.#buffers.give(Buffer.from(answer.buffer));
        if ('result' in answer) waiting?.resolve(answer.result);
        else waiting?.reject(revived(answer.error));
      });
      worker.on('error', (error) => this.#fail(error));
      worker.on('exit', (code) => {
        if (!this.#closing) this.#fail(new Error(`it stopped (exit code ${code})`));
      });
      this.#threads.push(thread);
    }
  }

  run(
    segment: Segment,
    recordDelimiter: SegmentJob['recordDelimiter'],
    lineEnd: SegmentJob['lineEnd'],
    head: HeadRecord[],
  ): Promise<SegmentResult> {
    if (this.#failure) {
      const failed = Promise.reject(this.#failure);
      failed.catch(() => {});
      return failed;
    }
    const thread = this.#threads.reduce((a, b) => (b.jobs < a.jobs ? b : a));
    thread.jobs++;
    const result = new Promise<SegmentResult>((resolve, reject) => {
      this.#waiting.set(segment.index, { resolve, reject });
    });
    // Not left unhandled while the file is still being read; awaited in order at the end.
    result.catch(() => {});
    const bytes = new Uint8Array(
      segment.bytes.buffer,
      segment.bytes.byteOffset,
      segment.bytes.byteLength,
    );
    const job: SegmentJob = {
      index: segment.index,
      firstLine: segment.firstLine,
      bytes,
      recordDelimiter,
      lineEnd,
      head,
    };
    // The segment's memory moves to the thread, and back with its answer.
    thread.worker.postMessage(job, [bytes.buffer as ArrayBuffer]);
    return result;
  }

  /** Whether a thread has fewer than two segments in hand (or the pool failed: nothing waits). */
  hasRoom(): boolean {
    return this.#failure !== undefined || this.#threads.some((thread) => thread.jobs < 2);
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#threads.map(({ worker }) => worker.terminate()));
  }

  /** A thread failed: what it had in hand, and every later segment, fail with it. */
  #fail(error: Error): void {
    this.#failure ??= new TruceError(
      'INTERNAL',
      `a thread reading the file failed (${error.message}); nothing was imported`,
    );
    for (const waiting of this.#waiting.values()) waiting.reject(this.#failure);
    this.#waiting.clear();
  }
}

function revived(error: Extract<SegmentAnswer, { error: unknown }>['error']): Error {
  if (error.truce) {
    return new TruceError(
      error.code as ConstructorParameters<typeof TruceError>[0],
      error.message,
      error.details as ConstructorParameters<typeof TruceError>[2],
    );
  }
  return Object.assign(new Error(error.message), { name: error.name, code: error.code });
}
