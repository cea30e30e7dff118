import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The dashboard's built files (`packages/web/dist`), served by the API's own process so that one
 * command brings up everything. The folder is small and fixed once built: every file is read
 * and compressed once at start (gzip and Brotli), never per request, and nothing outside it can
 * be named (no path is ever joined from the request: the request path is a key in a map).
 */
export interface WebAsset {
  body: Buffer;
  gzip: Buffer | undefined;
  brotli: Buffer | undefined;
  type: string;
  etag: string;
  /** Vite's content-hashed files under `assets/` never change: cache them for a year. */
  immutable: boolean;
}

export interface WebAssets {
  dir: string;
  files: ReadonlyMap<string, WebAsset>;
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.geojson': 'application/geo+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.pbf': 'application/x-protobuf',
};
const compressible = /^(text\/|application\/(json|manifest|geo|javascript))|svg/;

/** Where `npm run build` puts the dashboard, relative to this file (src or dist alike). */
export const defaultWebDir = fileURLToPath(new URL('../../../web/dist', import.meta.url));

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** Reads the built dashboard once; undefined when it has not been built (API only). */
export function loadWebAssets(dir: string = defaultWebDir): WebAssets | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, WebAsset>();
  for (const path of walk(dir)) {
    const key = `/${relative(dir, path).split(sep).join('/')}`;
    const body = readFileSync(path);
    const type = types[extname(path)] ?? 'application/octet-stream';
    // Source maps are rarely asked for: sent as they are. The rest is compressed once, at
    // levels that cost a fraction of a second at start (Brotli 11 took seconds on the map).
    const squeeze = compressible.test(type) && body.length > 512 && !path.endsWith('.map');
    files.set(key, {
      body,
      gzip: squeeze ? gzipSync(body, { level: 6 }) : undefined,
      brotli: squeeze
        ? brotliCompressSync(body, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 6,
              [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
            },
          })
        : undefined,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      immutable: key.startsWith('/assets/'),
    });
  }
  return { dir, files };
}

/**
 * The dashboard's Content-Security-Policy: only its own scripts and styles; data from this
 * origin; MapLibre draws in a worker it makes from a blob and shows tiles it builds itself.
 * No inline styles either: React and MapLibre set element styles through the CSSOM
 * (`element.style`), which `style-src` does not govern; a `style` attribute in markup or a
 * `<style>` element would be refused (the browser tests watch for any refusal).
 */
export const webContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "child-src 'self' blob:",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  // Strings reach code-running DOM sinks only through the page's one policy
  // (packages/web/src/trusted-types.ts): this origin's script URLs, nothing else.
  "require-trusted-types-for 'script'",
  'trusted-types default',
].join('; ');

/** Paths the dashboard answers with its page (client-side routes), never the API's. */
function isAppPath(path: string): boolean {
  return !path.startsWith('/api/') && path !== '/api' && !path.startsWith('/docs');
}

/**
 * Answers a GET for a dashboard file or page; returns false when the request is not one (the
 * caller then answers 404 in the API's error shape).
 */
export function serveWeb(web: WebAssets, request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = decodeURIComponentSafe(request.url.split('?')[0] ?? '/');
  if (path === undefined || !isAppPath(path)) return false;
  let asset = web.files.get(path);
  if (!asset) {
    // A client-side route (/aid, /public…) gets the page; a missing file (a typo in
    // /assets/…) is a plain 404 rather than a page that would fail to run as a script.
    if (extname(path) !== '' || !(request.headers.accept ?? '').includes('text/html')) {
      return false;
    }
    asset = web.files.get('/index.html');
    if (!asset) return false;
  }
  const html = asset.type.startsWith('text/html');
  reply.header('content-type', asset.type);
  reply.header('etag', asset.etag);
  reply.header(
    'cache-control',
    asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
  reply.header('x-content-type-options', 'nosniff');
  if (html) reply.header('content-security-policy', webContentSecurityPolicy);
  // The service worker may control the whole origin, not only /assets/.
  if (path === '/sw.js') reply.header('service-worker-allowed', '/');
  reply.header('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === asset.etag) {
    reply.status(304).send();
    return true;
  }
  const accepted = String(request.headers['accept-encoding'] ?? '');
  let body = asset.body;
  if (asset.brotli && /\bbr\b/.test(accepted)) {
    reply.header('content-encoding', 'br');
    body = asset.brotli;
  } else if (asset.gzip && /\bgzip\b/.test(accepted)) {
    reply.header('content-encoding', 'gzip');
    body = asset.gzip;
  }
  reply.status(200).send(body);
  return true;
}

function decodeURIComponentSafe(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
