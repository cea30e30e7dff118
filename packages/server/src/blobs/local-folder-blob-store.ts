import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { access, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type BlobStore, requireDigest, sha256Pattern } from './blob-store.js';

/**
 * The default blob store: a folder (`<data dir>/blobs`), one file per digest under a two-letter
 * fan-out (`ab/abcdef…`). Written to a temporary file, flushed, then renamed into place, so a
 * crash never leaves a half-written file under a digest; the same bytes twice are stored once.
 */
export class LocalFolderBlobStore implements BlobStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  #path(sha256: string): string {
    if (!sha256Pattern.test(sha256)) throw new RangeError(`not a SHA-256: ${sha256}`);
    return join(this.#root, sha256.slice(0, 2), sha256);
  }

  async has(sha256: string): Promise<boolean> {
    if (!sha256Pattern.test(sha256)) return false;
    try {
      await access(this.#path(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async get(sha256: string): Promise<Uint8Array | undefined> {
    if (!sha256Pattern.test(sha256)) return undefined;
    try {
      return new Uint8Array(await readFile(this.#path(sha256)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(sha256: string, bytes: Uint8Array) {
    requireDigest(sha256, bytes);
    if (await this.has(sha256)) return { sha256, size: bytes.byteLength, created: false };
    const path = this.#path(sha256);
    const folder = join(this.#root, sha256.slice(0, 2));
    mkdirSync(folder, { recursive: true });
    const temporary = join(folder, `.${randomUUID()}.part`);
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      let written = 0;
      while (written < bytes.byteLength) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      await rm(temporary, { force: true });
      throw error;
    }
    closeSync(fd);
    await rename(temporary, path);
    return { sha256, size: bytes.byteLength, created: true };
  }
}
