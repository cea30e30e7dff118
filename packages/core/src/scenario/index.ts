// The seeded PRNG and the fixed-offset calendar stay internal: they are tools for the
// generators, not part of the core's API.
export {
  type DraftRef,
  placeholderId,
  type Scenario,
  ScenarioBuilder,
  type ScenarioMarks,
  toJsonLines,
} from './builder.js';
export * from './gaza-2023.js';
export * from './gaza-2025.js';
export * from './gaza-2025-aid.js';
export * from './gaza-2025-exchange.js';
export * from './gaza-2025-incidents.js';
export * from './gaza-2025-notices.js';
export * from './load.js';
