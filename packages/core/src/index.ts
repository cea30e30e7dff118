export * from './agreement/json-schema.js';
export * from './agreement/parse.js';
export * from './agreement/references.js';
export * from './agreement/schema.js';
export * from './errors.js';
export * from './events/parse.js';
export * from './events/schema.js';
export * as ledger from './ledger/index.js';
export * from './engine/types.js';
