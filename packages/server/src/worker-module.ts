import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running one of this package's modules, named by its path under `src/` without
 * extension (`store/pglite-thread`). Built, it is the compiled module beside the caller. Run as
 * TypeScript (tests, benchmarks under tsx), it is the build's `dist/` module when that is at
 * least as new as every source it was compiled from (`npm test` builds first; a worker starts in
 * about half the time without tsx's loader), else a bootstrap that registers tsx's loader in the
 * worker (a worker does not inherit the main thread's loader hooks) and imports the TypeScript.
 *
 * `sources` are the module's own sources under `src/` (itself included), without extension.
 */
export function startWorker(
  module: string,
  sources: readonly string[],
  options: WorkerOptions = {},
): Worker {
  const src = new URL('./', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`${module}.js`, src), options);
  const compiled = compiledModule(module, sources);
  if (compiled) return new Worker(compiled, options);
  // tsx's ESM API (its package's `./esm/api` export for `import`), by path: an eval'd worker
  // resolves bare names from the working directory, not from here.
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = pathToFileURL(join(dirname(manifest), 'dist/esm/api/index.mjs')).href;
  const source = new URL(`${module}.ts`, src).href;
  return new Worker(
    `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`,
    { ...options, eval: true },
  );
}

function compiledModule(module: string, sources: readonly string[]): URL | undefined {
  try {
    const compiled = new URL(`../dist/${module}.js`, import.meta.url);
    const builtAt = statSync(compiled).mtimeMs;
    for (const name of sources)
      if (statSync(new URL(`./${name}.ts`, import.meta.url)).mtimeMs > builtAt) return undefined;
    return compiled;
  } catch {
    return undefined;
  }
}
