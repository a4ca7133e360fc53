import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/**
 * TRUST_PROXY as Fastify's `trustProxy`: exactly that many X-Forwarded-For hops are believed; 0 believes
 * none (Fastify then reads the socket's address). The ready lane reads the client address with the same function.
 */
export function trustedHops(hops: number): ((address: string, hop: number) => boolean) | false {
  return hops > 0 ? (_address: string, hop: number) => hop < hops : false;
}

/**
 * The rate-limit key for a client that cannot mint new ones (issue 15, finding 5): the address Fastify
 * derived through TRUST_PROXY hops, only if it is a valid IP (`net.isIP`: `009.9.9.9`, `[9.9.9.9]:1234` or
 * `garbage` are not), canonicalized; else the socket's own address. IPv4-mapped IPv6 is the IPv4
 * address; any other IPv6 address counts as its /64, the block one subscriber gets.
 */
export function rateLimitAddress(request: Pick<FastifyRequest, 'ip' | 'socket'>): string {
  return canonicalAddress(request.ip) ?? canonicalAddress(request.socket.remoteAddress ?? '') ?? 'unknown';
}

/** Null when `text` is not an IP address. */
export function canonicalAddress(text: string): string | null {
  const version = isIP(text);
  if (version === 4) return text;
  if (version !== 6) return null;
  const groups = ipv6Groups(text);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone dropped, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0]!.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const first = parse(head);
  if (tail === undefined) return first;
  const last = parse(tail);
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
}
