import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A strong validator of a response body: its SHA-256, base64url, quoted. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}

/**
 * Whether an If-None-Match header names `etag` (RFC 9110 §13.1.2: a list of tags, or `*`;
 * compared weakly, so a `W/` prefix a proxy added still matches).
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * Sends JSON already serialised (by the route's response schema, once for many requests) with
 * its ETag: 304 without a body when the client sends the tag of the bytes it holds. Not stored
 * by caches, the browser's included (ASVS 14.3.2): a client that wants the 304s keeps the tag.
 */
export function sendSerialised(
  request: FastifyRequest,
  reply: FastifyReply,
  view: { body: string; etag: string },
): FastifyReply {
  reply.header('cache-control', 'no-store').header('etag', view.etag);
  if (noneMatch(request.headers['if-none-match'], view.etag)) return reply.status(304).send();
  return reply.type('application/json; charset=utf-8').send(view.body);
}
