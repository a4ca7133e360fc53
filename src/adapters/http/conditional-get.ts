import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const CACHE_CONTROL = 'public, max-age=60';
const JSON_TYPE = 'application/json; charset=utf-8';

/** A strong validator over the exact bytes sent. */
export function entityTag(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** RFC 9110 §13.1.2: weak comparison, a list of tags, or `*`. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/** Serialized JSON with its entity tag, ready to be sent any number of times. */
export interface JsonBody {
  readonly bytes: Buffer;
  readonly etag: string;
}

export function jsonBody(body: unknown): JsonBody {
  const bytes = Buffer.from(JSON.stringify(body));
  return { bytes, etag: entityTag(bytes) };
}

/**
 * Bytes and ETag remembered per result object (docs/decisions/0010): while a use case hands
 * back the same object, nothing is serialized or hashed again; a new object is serialized once.
 */
export function jsonBodyCache<T extends object>(toBody: (result: T) => unknown): (result: T) => JsonBody {
  const bodies = new WeakMap<T, JsonBody>();
  return (result) => {
    let body = bodies.get(result);
    if (body === undefined) {
      body = jsonBody(toBody(result));
      bodies.set(result, body);
    }
    return body;
  };
}

/** Sends JSON that clients and CDNs may cache for a minute, or 304 when the client already has it. */
export function sendCacheableJson(request: FastifyRequest, reply: FastifyReply, body: JsonBody): FastifyReply {
  reply.header('etag', body.etag).header('cache-control', CACHE_CONTROL);
  if (matchesIfNoneMatch(request.headers['if-none-match'], body.etag)) return reply.code(304).send();
  return reply.type(JSON_TYPE).send(body.bytes);
}
