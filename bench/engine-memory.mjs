// Peak memory of a full evaluation of a JSONL file, in a fresh process so that nothing else
// is counted. Prints JSON: { maxRssMiB, heapUsedMiB, events, obligations }. Lines are read the
// way bench/harness.ts reads them (each decoded on its own).
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createEvaluator, parseAgreement } from '@truce/core';

const [file, agreementPath, asOf] = process.argv.slice(2);
const evaluator = createEvaluator(
  parseAgreement(readFileSync(agreementPath, 'utf8'), agreementPath),
);
const fd = openSync(file, 'r');
let buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
let filled = 0;
for (;;) {
  const read = readSync(fd, buffer, filled, buffer.length - filled, null);
  const end = filled + read;
  let start = 0;
  for (
    let newline = buffer.indexOf(10, start);
    newline !== -1 && newline < end;
    newline = buffer.indexOf(10, start)
  ) {
    if (newline > start) evaluator.append(JSON.parse(buffer.toString('utf8', start, newline)));
    start = newline + 1;
  }
  if (read === 0) {
    if (end > start) evaluator.append(JSON.parse(buffer.toString('utf8', start, end)));
    break;
  }
  if (start === 0 && end === buffer.length) {
    const larger = Buffer.allocUnsafe(buffer.length * 2);
    buffer.copy(larger, 0, 0, end);
    buffer = larger;
  } else {
    buffer.copy(buffer, 0, start, end);
  }
  filled = end - start;
}
closeSync(fd);
const result = evaluator.evaluate(asOf);
process.stdout.write(
  JSON.stringify({
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20,
    events: evaluator.size,
    obligations: result.obligations.length,
  }),
);
