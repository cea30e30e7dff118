import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseEventLines, TruceError } from '@truce/core';
import { SmtpMailer } from '../alerts/smtp.js';
import {
  demoPassword,
  demoUsers,
  publishAsMediator,
  ScenarioFeeder,
  seedAccounts,
  seedAgreement,
} from '../demo/demo-cell.js';
import { demoClock, readDemoClock } from '../demo/demo-clock.js';
import { DemoWitnesses } from '../demo/demo-witnesses.js';
import { startServer } from '../http/start.js';
import { hasLogIdentity } from '../ledger/index.js';
import { seedZoneLayer } from '../routes/zones/seed.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { configFromEnv, parsePort } from './serve.js';

const examples = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const sampleAgreement = `${examples}agreements/gaza-2025.yaml`;
const sampleScenario = `${examples}scenarios/gaza-2025-synthetic.jsonl`;
/** The sample's consignments, a supplement with ids of its own (scenario/gaza-2025-aid.ts). */
const sampleAidScenario = `${examples}scenarios/gaza-2025-aid-synthetic.jsonl`;
/** The sample's names lists as notices, a supplement with ids of its own (scenario/gaza-2025-notices.ts). */
const sampleNoticesScenario = `${examples}scenarios/gaza-2025-notices-synthetic.jsonl`;
/** The sample's register and handover steps, a supplement with ids of its own (scenario/gaza-2025-exchange.ts). */
const sampleExchangeScenario = `${examples}scenarios/gaza-2025-exchange-synthetic.jsonl`;
/** The incident workflow and hourly returns, a supplement with ids of its own (scenario/gaza-2025-incidents.ts). */
const sampleIncidentsScenario = `${examples}scenarios/gaza-2025-incidents-synthetic.jsonl`;
/** Noon on Day 23 of the sample (Day 1 is 19 January 2025): mid-phase, with much to see. */
const defaultStart = '2025-02-10T12:00:00+02:00';
const defaultReplaySpeed = 720;

export const startHelp = `Usage: truce start [--data DIR] [--reset] [--port N] [--replay [--speed N]]

The demo cell, all in one — what \`npm start\` runs. Opens (or creates) the embedded database in
the data folder; on the first run loads the sample agreement, one login per role and the
synthetic scenario, reported by the organisations it names, each signing with a key the server
holds for it; then serves the dashboard and the API.

The demo runs on the scenario's calendar: a simulated clock starts at noon on Day 23 of the
sample (19 January 2025 is Day 1) and moves at real speed, or faster with --replay; scenario
events are reported as the clock passes their report time, so the dashboard moves live. The
clock is saved in the data folder and continues at the next start.

Options:
  --data DIR     the data folder (default ./data)
  --reset        delete the data folder first and start over (PGlite only)
  --port N       the port (default $PORT or 8080)
  --host H       the address to listen on (default 127.0.0.1)
  --replay       play the scenario forward in accelerated time
  --speed N      simulated seconds per real second with --replay (default ${defaultReplaySpeed}:
                 a day in two minutes)
  --at INSTANT   move the simulated clock to this instant (ISO 8601 with offset)
  -h, --help     show this help

Environment: PORT; DATABASE_URL (PostgreSQL instead of the embedded database);
TRUCE_LOG_LEVEL (default warn).

Every login shares the password "${demoPassword}": a demo for one machine, never for real use.
Every person in the scenario is a pseudonymous placeholder (H-0001, P-0001).
`;

const options = {
  ...commonOptions,
  data: { type: 'string', default: 'data' },
  reset: { type: 'boolean', default: false },
  port: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  replay: { type: 'boolean', default: false },
  speed: { type: 'string' },
  at: { type: 'string' },
} as const;

/** "2025-02-10 12:00 (Asia/Gaza)": the simulated clock as the agreement's zone reads it. */
function localTime(at: Date, timeZone: string): string {
  const text = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
  return `${text} (${timeZone})`;
}

/** Deletes a data folder, but only one that truce made (or an empty one). */
function resetDataDir(dir: string, databaseUrl: string | undefined): void {
  if (databaseUrl) {
    throw new TruceError(
      'USAGE',
      '--reset deletes the embedded database only; with DATABASE_URL, drop and create the PostgreSQL database yourself',
    );
  }
  if (!existsSync(dir)) return;
  const made = hasLogIdentity(dir) || existsSync(`${dir}/demo-clock.json`);
  if (!made && readdirSync(dir).length > 0) {
    throw new TruceError(
      'USAGE',
      `--reset would delete ${dir}, which does not look like a truce data folder; remove it yourself`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

function parseSpeed(text: string | undefined, replay: boolean): number {
  if (!replay) {
    if (text !== undefined) throw new TruceError('USAGE', '--speed goes with --replay');
    return 1;
  }
  if (text === undefined) return defaultReplaySpeed;
  const speed = Number(text);
  if (!(Number.isFinite(speed) && speed >= 1 && speed <= 1_000_000)) {
    throw new TruceError('USAGE', `--speed is a number from 1 to 1000000, not "${text}"`);
  }
  return speed;
}

/** Runs until SIGTERM or SIGINT, or until `stop` (tests) aborts. */
export async function start(argv: string[], io: CliIo, stop?: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandArgs('start', argv, options);
  if (values.help) {
    io.stdout.write(startHelp);
    return 0;
  }
  requirePositionals('start', positionals, []);
  const port = parsePort(values.port ?? io.env.PORT ?? '8080');
  const speed = parseSpeed(values.speed, values.replay);
  if (values.at !== undefined && Number.isNaN(Date.parse(values.at))) {
    throw new TruceError('USAGE', `--at is an ISO 8601 instant, not "${values.at}"`);
  }
  const dataDir = values.data;
  const databaseUrl = io.env.DATABASE_URL;
  if (values.reset) resetDataDir(dataDir, databaseUrl);

  const saved = readDemoClock(dataDir);
  const startAt = values.at ?? saved?.simulatedAt ?? defaultStart;
  // The clock stands still while the cell starts (the first run loads a lot), then runs: a
  // replay does not skip days because the machine was slow to start.
  let clock = demoClock(dataDir, { simulatedAt: startAt, speed: 0 });
  const server = await startServer({
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    host: values.host,
    port,
    origin: 'demo.truce.local/log',
    operator: 'cell',
    domainClock: () => clock.now(),
    logger: { level: io.env.TRUCE_LOG_LEVEL ?? 'warn' },
    config: configFromEnv(io.env),
    mailer: SmtpMailer.fromEnvironment(io.env),
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const agreement = await seedAgreement(
      server.app,
      readFileSync(sampleAgreement, 'utf8'),
      sampleAgreement,
    );
    // The zones and lines the agreement pins, for the map (routes/zones/seed.ts).
    await seedZoneLayer(server.app, agreement, sampleAgreement);
    const createdLogins = await seedAccounts(server.app, agreement);
    const feeder = new ScenarioFeeder(server.app, dataDir, [
      ...parseEventLines(readFileSync(sampleScenario, 'utf8'), sampleScenario),
      ...parseEventLines(readFileSync(sampleAidScenario, 'utf8'), sampleAidScenario),
      ...parseEventLines(readFileSync(sampleNoticesScenario, 'utf8'), sampleNoticesScenario),
      ...parseEventLines(readFileSync(sampleExchangeScenario, 'utf8'), sampleExchangeScenario),
      ...parseEventLines(readFileSync(sampleIncidentsScenario, 'utf8'), sampleIncidentsScenario),
    ]);
    await feeder.feed(clock.now());
    const witnesses = new DemoWitnesses(server.app, dataDir, agreement);
    const cosign = async () => {
      for (const { org, reason } of await witnesses.cosignLatest(clock.now())) {
        io.stderr.write(`truce: the demo witness ${org} refused to cosign: ${reason}\n`);
      }
    };
    await cosign();
    if (!(await publishAsMediator(server.app))) {
      io.stderr.write(
        'truce: mediators need a second factor here (TRUCE_MFA_REQUIRED_ROLES): the public page stays empty until a mediator sets one up and publishes\n',
      );
    }
    clock = demoClock(dataDir, { simulatedAt: startAt, speed });
    clock.save();

    const day = (await server.app.truce.status.evaluation(undefined)).evaluation;
    const active = day.phases.find((phase) => phase.state === 'active');
    io.stdout.write(
      [
        '',
        `truce — the demo cell is running: ${server.url.replace('127.0.0.1', 'localhost')}`,
        `  public page: ${server.url.replace('127.0.0.1', 'localhost')}/public (no login)`,
        '',
        `  ${agreement.title}`,
        `  simulated time: ${localTime(clock.now(), agreement.timeZone)} — Day ${day.day}${active ? `, ${active.name ?? active.id}, day ${active.dayOfPhase} of ${active.lengthDays ?? '?'}` : ''}${speed > 1 ? ` (replay ×${speed})` : ''}`,
        `  ${feeder.remaining} scenario events still to come as the clock moves`,
        `  demo witnesses (in this process, keys held here): ${witnesses.orgs.join(', ')} cosign each checkpoint`,
        '',
        `  Logins${createdLogins ? ' (created now)' : ''}, password "${demoPassword}" (demo only):`,
        ...demoUsers.map((user) => `    ${user.label.padEnd(26)} ${user.email}`),
        '',
        `  data folder: ${dataDir}${databaseUrl ? ' (keys; the database is DATABASE_URL)' : ''}`,
        server.webServed
          ? ''
          : '  The dashboard is not built: run `npm run build` (npm start does); the API works.',
        '  Ctrl-C stops it; `npm start -- --reset` starts over; `npm start -- --replay` plays the scenario forward.',
        '',
      ].join('\n'),
    );

    // Report what the clock has reached: every second in replay, every ten otherwise. The
    // witnesses look for a new checkpoint every tick (a login's device key makes one too).
    let feeding = Promise.resolve();
    let ticks = 0;
    let feeds = 0;
    const feedEvery = speed > 1 ? 1 : 5;
    timer = setInterval(
      () => {
        feeding = feeding
          .then(async () => {
            if (ticks++ % feedEvery === 0) {
              await feeder.feed(clock.now());
              if (++feeds % 5 === 0) clock.save();
            }
            await cosign();
          })
          .catch((error: unknown) => {
            io.stderr.write(`truce: reporting scenario events failed: ${String(error)}\n`);
          });
      },
      speed > 1 ? 1000 : 2000,
    );
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      process.once('SIGTERM', done);
      process.once('SIGINT', done);
      stop?.addEventListener('abort', done, { once: true });
    });
    clearInterval(timer);
    timer = undefined;
    await feeding;
    clock.save();
  } finally {
    if (timer) clearInterval(timer);
    io.stderr.write('truce: shutting down\n');
    await server.close();
  }
  return 0;
}
