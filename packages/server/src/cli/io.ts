/**
 * Everything the command line touches outside itself goes through `CliIo`, so that tests run
 * `run(argv, io)` in-process with captured output, a fixed clock and a given stdin, and the
 * real binary differs only in `processIo()`.
 */
export interface CliIo {
  stdout: { write(text: string): void; isTTY: boolean; columns: number | undefined };
  stderr: { write(text: string): void };
  readStdin(): Promise<string>;
  env: Readonly<Record<string, string | undefined>>;
  /** The CLI may read the clock (the core may not): the default `--as-of` is now. */
  now(): Date;
}

export function processIo(): CliIo {
  return {
    stdout: {
      write: (text) => process.stdout.write(text),
      isTTY: process.stdout.isTTY === true,
      // COLUMNS lets a pipe or a README example choose the width a terminal would have given.
      columns: process.stdout.columns ?? (Number(process.env.COLUMNS) || undefined),
    },
    stderr: { write: (text) => process.stderr.write(text) },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    env: process.env,
    now: () => new Date(),
  };
}

export interface MemoryIoOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  isTTY?: boolean;
  columns?: number;
  now?: Date;
}

export interface MemoryIo extends CliIo {
  output(): string;
  errors(): string;
}

/** An in-memory `CliIo` for tests: no TTY, no colour, an empty environment unless given. */
export function memoryIo(options: MemoryIoOptions = {}): MemoryIo {
  let out = '';
  let err = '';
  const now = options.now ?? new Date('2025-02-11T10:00:00Z');
  return {
    stdout: {
      write: (text) => {
        out += text;
      },
      isTTY: options.isTTY ?? false,
      columns: options.columns,
    },
    stderr: {
      write: (text) => {
        err += text;
      },
    },
    readStdin: async () => options.stdin ?? '',
    env: options.env ?? {},
    now: () => new Date(now.getTime()),
    output: () => out,
    errors: () => err,
  };
}
