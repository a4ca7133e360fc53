import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AcademyProduct } from '../../application/academy-product.ts';
import { academyProductJson } from './academy-product.serializer.ts';

const CACHE_CONTROL = 'public, max-age=60';
export const JSON_TYPE = 'application/json; charset=utf-8';

/** A catalogue answer as the read model keeps it: serialized once, sent any number of times. */
export interface ReadyResponse {
  readonly bytes: Buffer;
  readonly etag: string;
  /** The headers a 200 carries (a 304 the same but the content type). */
  readonly headers: Readonly<Record<string, string>>;
  /** The same headers as Node's flat [name, value, …] list (the ready lane writes them without Fastify). */
  readonly headerList: readonly string[];
}

/** The list's JSON contract: Django REST framework's page shape, one page holding every match. */
export function listResponse(products: readonly AcademyProduct[]): ReadyResponse {
  return readyJson({ count: products.length, next: null, previous: null, results: products.map(academyProductJson) });
}

export function detailResponse(product: AcademyProduct): ReadyResponse {
  return readyJson(academyProductJson(product));
}

function readyJson(body: unknown): ReadyResponse {
  const bytes = Buffer.from(JSON.stringify(body));
  const etag = entityTag(bytes);
  const headers = { etag, 'cache-control': CACHE_CONTROL };
  return { bytes, etag, headers, headerList: Object.entries(headers).flat() };
}

/** A strong validator over the exact bytes sent. */
export function entityTag(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** RFC 9110 §13.1.2: weak comparison, a list of tags, or `*`. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header === etag) return true;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/** Sends a ready response that clients and CDNs may cache for a minute, or 304 when the client already has it. */
export function sendReady(request: FastifyRequest, reply: FastifyReply, ready: ReadyResponse): FastifyReply {
  reply.headers(ready.headers);
  if (matchesIfNoneMatch(request.headers['if-none-match'], ready.etag)) return reply.code(304).send();
  return reply.type(JSON_TYPE).send(ready.bytes);
}
