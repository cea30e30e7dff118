export { handoverSteps, identificationOutcomes, personFields } from '../events/exchange.js';
export * from './order.js';
export * from './register.js';
