export { Calendar, parseInstant } from './calendar.js';
export { createEvaluator, type Evaluator, evaluate } from './evaluate.js';
export { fewerThanFive, isSmallCell, smallCellLimit } from './observed.js';
export * from './types.js';
