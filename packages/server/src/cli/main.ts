#!/usr/bin/env node
import { processIo } from './io.js';
import { run } from './run.js';

// `truce … | head` closes the pipe early; that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// exitCode rather than exit(): let stdout drain when it is a pipe.
process.exitCode = await run(process.argv.slice(2), processIo());
