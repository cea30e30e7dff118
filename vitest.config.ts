import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources, so `npm test` never depends on a stale build.
export default defineConfig({
  resolve: {
    alias: {
      '@truce/core': fileURLToPath(new URL('./packages/core/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one worker on a two-core runner, idle
    // while a test waits on fsync, a child process or the browser. One more worker than cores
    // keeps both busy (CI: 538 s → 425 s on two cores).
    maxWorkers: availableParallelism() + 1,
  },
});
