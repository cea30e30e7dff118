export * from './order.js';
export * from './register.js';
export { handoverSteps, identificationOutcomes, personFields } from '../events/exchange.js';
