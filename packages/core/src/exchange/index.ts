export * from './order.js';
export * from './register.js';
