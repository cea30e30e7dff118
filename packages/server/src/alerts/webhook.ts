import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebhookTargets } from './webhook-targets.js';

/**
 * Webhook signatures, as a receiver checks them (docs/API.md, "Alerts"):
 *
 *     Truce-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is signed with the body, so a captured request cannot be replayed later than the
 * receiver's tolerance (5 minutes by default).
 */
export const signatureHeader = 'truce-signature';

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** What a receiver does: true when the header is a valid signature of `body`, recent enough. */
export function verifyWebhook(
  secret: string,
  body: string,
  header: string | undefined,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (!header) return false;
  const parts = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isSafeInteger(timestamp) || !given || !/^[0-9a-f]{64}$/.test(given)) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

export interface WebhookResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * One POST of a signed JSON body; any 2xx is a delivery, anything else (or no answer) is not.
 * The connection goes only where `targets` allows (an address checked as the socket resolves it)
 * and a redirect is not followed.
 */
export function postWebhook(
  url: string,
  secret: string,
  body: string,
  deliveryId: number,
  now: Date,
  timeoutMs: number,
  targets: WebhookTargets,
): Promise<WebhookResult> {
  const started = performance.now();
  const failed = (error: string): WebhookResult => ({
    ok: false,
    statusCode: null,
    error,
    durationMs: Math.round(performance.now() - started),
  });
  const problem = targets.urlProblem(url);
  if (problem !== null) return Promise.resolve(failed(`refused: ${problem}`));
  const target = new URL(url);
  const client = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const request = client(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'truce-alerts/1',
          [signatureHeader]: signWebhook(secret, body, Math.floor(now.getTime() / 1000)),
          'truce-delivery': String(deliveryId),
        },
        lookup: targets.lookup as never,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        // The body is not read: a receiver's answer is not trusted.
        response.destroy();
        const status = response.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        resolve({
          ok,
          statusCode: status,
          error: ok ? null : `HTTP ${status}`,
          durationMs: Math.round(performance.now() - started),
        });
      },
    );
    request.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WEBHOOK_TARGET_REFUSED') resolve(failed(`refused: ${error.message}`));
      else if (error.name === 'AbortError' || error.name === 'TimeoutError') {
        resolve(failed('no answer within the timeout'));
      } else resolve(failed(`${error.message}${error.code ? ` (${error.code})` : ''}`));
    });
    request.end(body);
  });
}
