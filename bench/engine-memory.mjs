// Peak memory of a full evaluation of a JSONL file, in a fresh process so that nothing else
// is counted. Prints JSON: { maxRssMiB, heapUsedMiB, events, obligations }.
import { readFileSync } from 'node:fs';
import { createEvaluator, parseAgreement } from '@truce/core';
import { forEachLine } from './lines.mjs';
import { peakRssMiB } from './peak-rss.mjs';

const [file, agreementPath, asOf] = process.argv.slice(2);
const evaluator = createEvaluator(
  parseAgreement(readFileSync(agreementPath, 'utf8'), agreementPath),
);
forEachLine(file, (line) => evaluator.append(JSON.parse(line)));
const result = evaluator.evaluate(asOf);
process.stdout.write(
  JSON.stringify({
    maxRssMiB: peakRssMiB(),
    heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20,
    events: evaluator.size,
    obligations: result.obligations.length,
  }),
);
