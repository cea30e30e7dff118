import { closeSync, fdatasyncSync, fsyncSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NodeFS } from '@electric-sql/pglite/nodefs';

type InitArguments = Parameters<NodeFS['init']>;
type InitResult = Awaited<ReturnType<NodeFS['init']>>;

/** The part of Emscripten's NODEFS that PGlite's Postgres reaches when it calls fsync(). */
interface EmscriptenNodeFs {
  stream_ops?: { fsync?: (stream: { nfd?: unknown }) => number };
}

interface EmscriptenModuleWithNodeFs {
  NODEFS?: EmscriptenNodeFs;
  FS?: { ErrnoError?: new (errno: number) => Error };
}

/** Emscripten's errno for EIO: Postgres treats a failed fsync as a PANIC, as it must. */
const emscriptenEio = 29;

/**
 * PGlite's data folder on the host file system, with fsync() that reaches the disk.
 *
 * PGlite 0.5 starts Postgres with `-F` (fsync off), and even with fsync on, Emscripten's NODEFS
 * has no fsync operation: Postgres' fsync() calls return success without touching the disk
 * (and fdatasync() is a stub). Every write does go straight to the host with writeSync, so a
 * committed transaction survives the death of the process, but not of the machine. This file
 * system gives NODEFS a real fsync (fdatasync of the host descriptor), so that Postgres, run
 * with fsync on and wal_sync_method=fsync, flushes its WAL at each commit and its data files
 * at each checkpoint, as it does on a normal disk. See docs/STORAGE.md.
 */
export class DurableNodeFS extends NodeFS {
  /** fsync calls that reached the disk: one per committed write transaction, plus checkpoints. */
  flushes = 0;

  override async init(...[pg, options]: InitArguments): Promise<InitResult> {
    const result = await super.init(pg, options);
    const preRun = result.emscriptenOpts.preRun ?? [];
    result.emscriptenOpts.preRun = [
      ...preRun,
      (module: unknown) => this.#giveNodeFsAnFsync(module as EmscriptenModuleWithNodeFs),
    ];
    return result;
  }

  #giveNodeFsAnFsync(module: EmscriptenModuleWithNodeFs): void {
    const streamOps = module.NODEFS?.stream_ops;
    const ErrnoError = module.FS?.ErrnoError;
    if (streamOps === undefined || ErrnoError === undefined) {
      // Refuse to start rather than run without the durability the store promises.
      throw new Error(
        'This PGlite version does not expose NODEFS.stream_ops; truce cannot make its commits durable. Use the PGlite version in package.json.',
      );
    }
    streamOps.fsync = (stream) => {
      if (typeof stream.nfd !== 'number') return 0;
      try {
        fdatasyncSync(stream.nfd);
      } catch {
        throw new ErrnoError(emscriptenEio);
      }
      this.flushes += 1;
      return 0;
    };
  }
}

/**
 * fsyncs every file and directory under `root`: PGlite writes a new data folder without any
 * fsync, so a power cut soon after creating it could leave a folder that does not start.
 */
export function fsyncTree(root: string): void {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) fsyncTree(path);
    else if (entry.isFile()) fsyncPath(path);
  }
  fsyncPath(root);
}

export function fsyncPath(path: string): void {
  const descriptor = openSync(path, 'r');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}
