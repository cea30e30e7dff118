import { type MemoryIo, memoryIo } from '../cli/io.js';
import { start } from '../cli/start.js';

export interface RunningDemoCell {
  url: string;
  io: MemoryIo;
  /** Stops it as Ctrl-C would; resolves with `truce start`'s exit status. */
  stop(): Promise<number>;
}

/**
 * `truce start` in this process (what `npm start` runs), for tests and benchmarks: resolves
 * with the URL from its banner once it listens. Pass `--port 0` for a free port.
 */
export async function runDemoCell(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<RunningDemoCell> {
  const io = memoryIo({ env });
  const stop = new AbortController();
  const done = start([...args], io, stop.signal);
  let failed: unknown;
  done.catch((error: unknown) => {
    failed = error;
  });
  for (let i = 0; i < 1200 && !/running: (\S+)/.test(io.output()); i++) {
    if (failed) throw failed;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const url = /running: (\S+)/.exec(io.output())?.[1];
  if (!url) throw new Error(`truce start did not come up:\n${io.output()}\n${io.errors()}`);
  return {
    url,
    io,
    stop: () => {
      stop.abort();
      return done;
    },
  };
}
