export { type CitedFile, citedEvidence } from '../events/incidents.js';
export * from './duplicates.js';
export * from './incident-files.js';
export * from './workflow.js';
