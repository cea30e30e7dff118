export {
  type BatchDraft,
  batchEnvelopeText,
  batchId,
  batchReaderMarkers,
  HxlBatcher,
} from './batch.js';
export { exportColumns, fieldOf, type HxlField } from './columns.js';
export { type Hashtag, hashtagRowSearchLimit, isHashtagRow, parseHashtag } from './hashtag.js';
export {
  type AidEvent,
  type HxlProblem,
  HxlReader,
  type HxlReadOptions,
  type HxlRow,
  hxlIdPrefix,
  startOfLocalDay,
} from './reader.js';
export {
  reconciliationColumns,
  reconciliationHeaderRows,
  reconciliationRowsOf,
} from './reconciliation.js';
export { type AidSampleFiles, aidSampleFiles } from './sample.js';
export { csvLine, hxlHeaderRows, hxlRowOf, isAidEvent, keptHashtagsOf } from './writer.js';
