export { Calendar, parseInstant } from './calendar.js';
export { createEvaluator, type Evaluator, evaluate } from './evaluate.js';
export * from './types.js';
