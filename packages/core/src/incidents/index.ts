export * from './duplicates.js';
export * from './incident-files.js';
export * from './workflow.js';
