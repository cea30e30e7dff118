import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ledger, TruceError } from '@truce/core';
import {
  createLogIdentity,
  keyRegistrationEnvelope,
  Ledger,
  type RegistrationRequest,
  readLogIdentity,
  readPrivateKey,
  registerRequestEnvelope,
} from '../ledger/index.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { dataHelp, dataOption, withStore } from './ledger-options.js';
import { readInput } from './read-input.js';

export const ledgerHelp = `Usage: truce ledger init [--origin NAME] [--operator ID] [--data DIR]
       truce ledger import EVENTS.jsonl --keys DIR [--data DIR]
       truce ledger register ORG.registration.json [--data DIR]
       truce ledger cosign LINE [--size N] [--data DIR]
       truce ledger cosigners [--size N] [--data DIR]
       truce ledger witnesses [--data DIR]

init       creates the log key and origin if absent, and starts the log: entry 0 registers
           the log key as the operator's key, signed by itself; a first checkpoint follows.
import     signs each event with the key of its source organisation, DIR/<source>.key
           (for demos and the examples: real parties sign their own events), registers
           each organisation's key as the operator when the log does not know it yet,
           and submits them. Prints how many were appended.
register   registers an organisation's key as the operator, from the request
           \`truce keys generate\` wrote (public key and proof of possession).
cosign     stores a witness's cosignature line ("— <org> <base64>", from \`truce witness\`)
           of the latest checkpoint (or of size N), after checking it with the keys the
           witness organisation has registered in the log.
cosigners  lists the organisations that cosigned the latest checkpoint (or of size N).
witnesses  lists every witness with the largest checkpoint it cosigned, and how many
           entries the latest checkpoint holds beyond it.

Options:
  --origin NAME    the log's name in checkpoints (default truce.local/log)
  --operator ID    the operator's organisation (default operator)
  --keys DIR       the folder of <org>.key files (import)
  --size N         the checkpoint size (cosign, cosigners)
${dataHelp}
  -h, --help       show this help
`;

const options = {
  ...commonOptions,
  ...dataOption,
  origin: { type: 'string', default: 'truce.local/log' },
  operator: { type: 'string', default: 'operator' },
  keys: { type: 'string' },
  size: { type: 'string' },
} as const;

export async function ledgerCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('ledger', argv, options);
  if (values.help) {
    io.stdout.write(ledgerHelp);
    return 0;
  }
  const [sub, ...rest] = positionals;
  const dataDir = values.data;
  const size = values.size === undefined ? undefined : parseSize(values.size);
  switch (sub) {
    case 'init': {
      requirePositionals('ledger', rest, []);
      const { identity, created } = createLogIdentity(dataDir, {
        origin: values.origin,
        operator: values.operator,
      });
      await withStore(dataDir, io, async (store) => {
        const service = await Ledger.open(store, identity, { now: () => io.now() });
        await service.close();
      });
      io.stdout.write(`${identity.verifierKey}\n`);
      io.stderr.write(
        `${created ? 'created' : 'found'} the log ${identity.origin} in ${dataDir}; its verifier key is above: give it to every party to pin\n`,
      );
      return 0;
    }
    case 'import': {
      requirePositionals('ledger import', rest, ['EVENTS.jsonl']);
      if (!values.keys)
        throw new TruceError('USAGE', 'missing --keys DIR; run `truce ledger --help`');
      const input = await readInput(rest[0] as string, io);
      const count = await importEvents(input.text, input.name, values.keys, dataDir, io);
      io.stdout.write(
        `appended ${count.appended} events (${count.registered} keys registered, ${count.repeated} already there)\n`,
      );
      return 0;
    }
    case 'register': {
      requirePositionals('ledger register', rest, ['REQUEST.json']);
      const input = await readInput(rest[0] as string, io);
      const identity = readLogIdentity(dataDir);
      const receipt = await withStore(dataDir, io, async (store) => {
        const service = await Ledger.open(store, identity, { now: () => io.now() });
        try {
          const request = ledger.parseJson(input.text) as unknown as RegistrationRequest;
          const [first] = await service.submit([
            registerRequestEnvelope(identity, request, io.now()),
          ]);
          return { ...first, keyId: request.keyId };
        } finally {
          await service.close();
        }
      });
      io.stdout.write(`registered ${receipt.keyId} at position ${receipt.seq}\n`);
      return 0;
    }
    case 'cosign': {
      requirePositionals('ledger cosign', rest, ['LINE']);
      const identity = readLogIdentity(dataDir);
      const record = await withStore(dataDir, io, async (store) => {
        const service = await Ledger.open(store, identity);
        try {
          return await service.cosign(rest[0] as string, size);
        } finally {
          await service.close();
        }
      });
      io.stdout.write(
        `stored the cosignature of ${record.witness} for the checkpoint of size ${record.checkpointSize}\n`,
      );
      return 0;
    }
    case 'cosigners': {
      requirePositionals('ledger cosigners', rest, []);
      const identity = readLogIdentity(dataDir);
      const cosigners = await withStore(dataDir, io, async (store) => {
        const service = await Ledger.open(store, identity);
        try {
          return await service.cosigners(size);
        } finally {
          await service.close();
        }
      });
      for (const c of cosigners) {
        io.stdout.write(`${c.witness}\t${new Date(c.timestamp * 1000).toISOString()}\n`);
      }
      return 0;
    }
    case 'witnesses': {
      requirePositionals('ledger witnesses', rest, []);
      const identity = readLogIdentity(dataDir);
      const { witnesses, latest } = await withStore(dataDir, io, async (store) => {
        const service = await Ledger.open(store, identity);
        try {
          return {
            witnesses: await service.witnesses(),
            latest: (await store.latestCheckpoint())?.size ?? 0,
          };
        } finally {
          await service.close();
        }
      });
      for (const w of witnesses) {
        const behind = latest - w.checkpointSize;
        io.stdout.write(
          `${w.witness}\t${w.checkpointSize}\t${new Date(w.timestamp * 1000).toISOString()}\t${behind === 0 ? 'latest' : `${behind} behind`}\n`,
        );
      }
      return 0;
    }
    default:
      throw new TruceError(
        'USAGE',
        `truce ledger knows init, import, register, cosign, cosigners and witnesses${sub ? `, not "${sub}"` : ''}; run \`truce ledger --help\``,
      );
  }
}

function parseSize(text: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text))
    throw new TruceError('USAGE', `--size is a number, not ${text}`);
  return Number(text);
}

async function importEvents(
  text: string,
  name: string,
  keysDir: string,
  dataDir: string,
  io: CliIo,
) {
  const identity = readLogIdentity(dataDir);
  return withStore(dataDir, io, async (store) => {
    const service = await Ledger.open(store, identity, { now: () => io.now() });
    const keys = new Map<string, KeyObject>();
    let appended = 0;
    let registered = 0;
    let repeated = 0;
    let batch: ledger.SignedEnvelope[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      for (const receipt of await service.submit(batch)) {
        if (receipt.idempotent) repeated++;
        else appended++;
      }
      batch = [];
    };
    try {
      const lines = text.split('\n');
      for (const [index, line] of lines.entries()) {
        if (line.trim() === '') continue;
        let event: { id: string; source: string };
        try {
          event = ledger.parseJson(line) as unknown as { id: string; source: string };
        } catch (error) {
          throw new TruceError(
            'EVENT_JSON_SYNTAX',
            `${name}:${index + 1}: ${(error as Error).message}`,
          );
        }
        const org = typeof event?.source === 'string' ? event.source : '';
        let key = keys.get(org);
        if (!key) {
          const path = join(keysDir, `${org}.key`);
          if (!existsSync(path)) {
            throw new TruceError(
              'NOT_FOUND',
              `${name}:${index + 1}: no key for ${org} in ${keysDir}; run \`truce keys generate --org ${org} --out ${keysDir}\``,
            );
          }
          key = readPrivateKey(path);
          keys.set(org, key);
          const keyId = ledger.keyIdFor(org, key);
          const known = service.registry.key(keyId);
          if (!known) {
            await flush();
            const envelope = keyRegistrationEnvelope({
              org,
              publicKey: key,
              newPrivateKey: key,
              registrar: { org: identity.operator, privateKey: identity.privateKey },
              at: io.now(),
            });
            const [receipt] = await service.submit([envelope]);
            if (receipt && !receipt.idempotent) registered++;
          }
        }
        batch.push(
          ledger.signEnvelope(
            {
              v: 1,
              id: event.id,
              org,
              keyId: ledger.keyIdFor(org, key),
              idempotencyKey: event.id,
              event: event as unknown as ledger.JsonValue,
            },
            key,
          ),
        );
        if (batch.length >= 500) await flush();
      }
      await flush();
    } finally {
      await service.close();
    }
    return { appended, registered, repeated };
  });
}
