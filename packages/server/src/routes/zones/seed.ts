import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Agreement, parseZones } from '@truce/core';
import type { TruceApp } from '../../http/context.js';

/**
 * Keeps the zone layer an agreement file pins (`geometry.file`, beside the agreement), checked
 * against its SHA-256 and the agreement's places: what a mediator's `PUT /api/v1/zones` does,
 * for the demo cell and other seeding from files. A missing file is left alone (the map then
 * draws the bundled schematic only); a file that does not match its pin is an error.
 */
export async function seedZoneLayer(
  app: TruceApp,
  agreement: Agreement,
  agreementFile: string,
): Promise<boolean> {
  const pinned = agreement.geometry;
  if (!pinned) return false;
  const path = join(dirname(agreementFile), pinned.file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch {
    return false;
  }
  parseZones(new TextDecoder().decode(bytes), path, agreement);
  await app.truce.blobs.seed({
    sha256: pinned.sha256,
    bytes,
    kind: 'zones',
    mediaType: 'application/geo+json',
    fileName: pinned.file,
  });
  return true;
}
