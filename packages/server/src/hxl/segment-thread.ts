import { parentPort, workerData } from 'node:worker_threads';
import { isTruceError } from '@truce/core';
import { type HeadRecord, SegmentReader, type SegmentSettings } from './segment-reader.js';
import type { RecordDelimiter } from './segments.js';

/**
 * A thread that reads segments of one HXL file (read-hxl.ts): each job is a segment's bytes,
 * each answer its counts, problems and batches, or the error that refuses the file.
 */
export interface SegmentThreadData {
  settings: SegmentSettings;
}

export interface SegmentJob {
  index: number;
  firstLine: number;
  bytes: Uint8Array;
  recordDelimiter: RecordDelimiter | undefined;
  /** The file's line end, as the segments were cut (the first segment's parse finds its own). */
  lineEnd: RecordDelimiter | undefined;
  /** The file's records up to its hashtag row: a reader starts after them. */
  head: HeadRecord[];
}

/** An answer gives back the segment's memory (`buffer`, transferred) for the next segment. */
export type SegmentAnswer =
  | { index: number; buffer: ArrayBuffer; result: import('./segment-reader.js').SegmentResult }
  | {
      index: number;
      buffer: ArrayBuffer;
      error: { name: string; message: string; code?: string; details?: unknown; truce: boolean };
    };

const { settings } = workerData as SegmentThreadData;
const port = parentPort!;

port.on('message', (job: SegmentJob) => {
  try {
    const reader = new SegmentReader(settings, undefined, job.head);
    const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
    reader.readSegment(bytes, job.firstLine, job.recordDelimiter, job.lineEnd);
    port.postMessage(
      {
        index: job.index,
        buffer: job.bytes.buffer as ArrayBuffer,
        result: reader.take(),
      } satisfies SegmentAnswer,
      [job.bytes.buffer as ArrayBuffer],
    );
  } catch (error) {
    const e = error as { name?: string; message?: string; code?: string; details?: unknown };
    const buffer = job.bytes.buffer as ArrayBuffer;
    port.postMessage(
      {
        index: job.index,
        buffer,
        error: {
          name: e.name ?? 'Error',
          message: e.message ?? String(error),
          code: e.code,
          details: e.details,
          truce: isTruceError(error),
        },
      } satisfies SegmentAnswer,
      [buffer],
    );
  }
});
