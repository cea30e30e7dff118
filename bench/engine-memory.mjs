// Peak memory of a full evaluation of a JSONL file, in a fresh process so that nothing else
// is counted. Prints JSON: { maxRssMiB, heapUsedMiB, events }.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createEvaluator, parseAgreement } from '@truce/core';

const [file, agreementPath, asOf] = process.argv.slice(2);
const evaluator = createEvaluator(
  parseAgreement(readFileSync(agreementPath, 'utf8'), agreementPath),
);
const fd = openSync(file, 'r');
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
let rest = '';
for (;;) {
  const read = readSync(fd, buffer, 0, buffer.length, null);
  if (read === 0) break;
  const text = rest + buffer.toString('utf8', 0, read);
  let start = 0;
  for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
    if (end > start) evaluator.append(JSON.parse(text.slice(start, end)));
    start = end + 1;
  }
  rest = text.slice(start);
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
