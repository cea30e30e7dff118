/**
 * Writes the committed synthetic scenarios from their seeds:
 *
 *   npx tsx scripts/generate-scenario.ts          # rewrite examples/scenarios/*.jsonl
 *   npx tsx scripts/generate-scenario.ts --check  # exit 1 if a committed file is stale
 *
 * The generators are pure functions in packages/core/src/scenario; this script is the only part
 * that touches the file system. It imports the TypeScript sources directly, so it needs no build.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  generateGaza2023Scenario,
  generateGaza2025AidScenario,
  generateGaza2025ExchangeScenario,
  generateGaza2025IncidentsScenario,
  generateGaza2025NoticesScenario,
  generateGaza2025Scenario,
  toJsonLines,
} from '../packages/core/src/scenario/index.js';

const outputs = [
  {
    file: 'examples/scenarios/gaza-2025-synthetic.jsonl',
    generate: () => generateGaza2025Scenario(),
  },
  {
    file: 'examples/scenarios/gaza-2025-aid-synthetic.jsonl',
    generate: () => generateGaza2025AidScenario(),
  },
  {
    file: 'examples/scenarios/gaza-2025-notices-synthetic.jsonl',
    generate: () => generateGaza2025NoticesScenario(),
  },
  {
    file: 'examples/scenarios/gaza-2025-incidents-synthetic.jsonl',
    generate: () => generateGaza2025IncidentsScenario(),
  },
  {
    file: 'examples/scenarios/gaza-2025-exchange-synthetic.jsonl',
    generate: () => generateGaza2025ExchangeScenario(),
  },
  {
    file: 'examples/scenarios/gaza-2023-pause-synthetic.jsonl',
    generate: () => generateGaza2023Scenario(),
  },
];

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;
for (const { file, generate } of outputs) {
  const scenario = generate();
  const text = toJsonLines(scenario.events);
  const path = `${root}${file}`;
  if (check) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // A missing file is stale like any other.
    }
    if (current !== text) {
      stale++;
      console.error(`${file} is stale: run npx tsx scripts/generate-scenario.ts`);
    }
  } else {
    writeFileSync(path, text);
    console.log(`${file}: ${scenario.events.length} events (seed ${scenario.seed})`);
  }
}
if (stale > 0) process.exitCode = 1;
