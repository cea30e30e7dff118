export * from './layer.js';
export * from './validate.js';
