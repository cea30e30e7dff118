/**
 * Evidence files for the evidence store: each is hashed on the device, uploaded under its SHA-256
 * (a retry on a bad connection sends the same bytes to the same address: harmless), and the
 * event then cites the digests, so the files cannot be swapped after it is signed.
 */

/** Media types the evidence store takes as they are; anything else goes as octet-stream. */
const evidenceTypes = new Set([
  'application/pdf',
  'image/jpeg',
  'image/png',
  'image/webp',
  'video/mp4',
  'audio/mpeg',
  'audio/ogg',
]);

export interface UploadedEvidence {
  sha256: string;
  name: string;
  mediaType: string;
  size: number;
}

export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Uploads each file (throwing the server's message when one is refused); their citations. */
export async function uploadEvidence(
  files: readonly File[],
  onUploading: (name: string) => void = () => {},
): Promise<UploadedEvidence[]> {
  const cited: UploadedEvidence[] = [];
  for (const file of files) {
    const bytes = await file.arrayBuffer();
    const sha256 = await sha256Hex(bytes);
    const mediaType = evidenceTypes.has(file.type) ? file.type : 'application/octet-stream';
    const name = file.name.slice(0, 200);
    onUploading(file.name);
    const response = await fetch(`/api/v1/evidence/${sha256}?name=${encodeURIComponent(name)}`, {
      method: 'PUT',
      credentials: 'same-origin',
      headers: {
        'content-type': mediaType,
        'x-csrf-token': globalThis.sessionStorage?.getItem('truce.csrf') ?? '',
      },
      body: bytes,
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => undefined)) as
        | { error?: { message?: string } }
        | undefined;
      throw new Error(body?.error?.message ?? `${response.status} ${file.name}`);
    }
    cited.push({ sha256, name, mediaType, size: bytes.byteLength });
  }
  return cited;
}
