export * from './builder.js';
export * from './gaza-2023.js';
export * from './gaza-2025.js';
export * from './load.js';
export * from './local-time.js';
export * from './random.js';
