export * from './consignments.js';
export * from './counting.js';
export * from './crossings.js';
export * from './daily.js';
export * from './dwell.js';
export * from './reconcile.js';
