import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Agreement, checkPinnedLayer, parseAgreement, TruceError } from '@truce/core';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { type Input, readInput } from './read-input.js';

export const lintHelp = `Usage: truce lint AGREEMENT [options]

Validates an agreement (YAML; "-" reads stdin) against the agreement format
(docs/AGREEMENT-FORMAT.md) and checks that every id it refers to is defined.
When the agreement pins a zone layer (geometry), the layer is checked too: its
SHA-256 against the pin, every coordinate inside its area (and latitude and
longitude not swapped), polygons that do not cross themselves, every feature
naming a place and phase of the agreement, and every zone an obligation names
drawn in it.
Prints "ok: <id> v<version>, N obligations, M phases" (and a line for the
layer), or every problem as "file:line:column path: message" on stderr.

Options:
  --zones FILE     the zone layer to check (default: the file the agreement
                   pins, beside it; needed when the agreement is read from stdin)
  -h, --help       show this help

Exit status: 0 when valid, 2 when not, 1 on a bug.
`;

const lintOptions = { ...commonOptions, zones: { type: 'string' } } as const;

export async function lint(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('lint', argv, lintOptions);
  if (values.help) {
    io.stdout.write(lintHelp);
    return 0;
  }
  requirePositionals('lint', positionals, ['AGREEMENT']);
  const input = await readInput(positionals[0] ?? '', io);
  const agreement = parseAgreement(input.text, input.name);
  const obligations = agreement.obligations.length;
  const phases = agreement.phases.length;
  const layer = await lintZoneLayer(agreement, input, values.zones);
  io.stdout.write(
    `ok: ${agreement.id} v${agreement.version}, ${obligations} obligation${obligations === 1 ? '' : 's'}, ${phases} phase${phases === 1 ? '' : 's'}\n${layer}`,
  );
  return 0;
}

/** The layer's line of the report ('' when the agreement pins none); throws its problems. */
async function lintZoneLayer(
  agreement: Agreement,
  input: Input,
  zones: string | undefined,
): Promise<string> {
  const pinned = agreement.geometry;
  if (!pinned) {
    if (zones !== undefined) {
      throw new TruceError(
        'USAGE',
        `${input.name} pins no zone layer (geometry), so --zones has nothing to check against; add geometry: { file, sha256 } first`,
      );
    }
    return '';
  }
  if (zones === undefined && input.name === '<stdin>') {
    return `zone layer ${pinned.file}: not checked (the agreement came from stdin; give the layer with --zones FILE)\n`;
  }
  const path = zones ?? join(dirname(input.name), pinned.file);
  const bytes = await readLayer(path);
  const layer = checkPinnedLayer(agreement, input.text, input.name, {
    text: bytes.toString('utf8'),
    file: path,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  });
  const features = layer.features.length;
  return `ok: zone layer ${path}, ${features} feature${features === 1 ? '' : 's'}, SHA-256 as pinned\n`;
}

async function readLayer(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'EISDIR') {
      throw new TruceError(
        'NOT_FOUND',
        `cannot read the zone layer ${path}: no such file; put it beside the agreement as geometry.file says, or give it with --zones FILE`,
      );
    }
    throw error;
  }
}
