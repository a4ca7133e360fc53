import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** Node's code for each kind of broken request it hands to `clientError`, with our status and words. */
const CLIENT_ERRORS: Record<string, { status: number; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: 'The request was not completed in time.' },
  HPE_HEADER_OVERFLOW: { status: 431, detail: 'Request headers are too large.' },
};
const MALFORMED = { status: 400, detail: 'Malformed HTTP request.' };

/**
 * Requests Node's HTTP parser gives up on (a client too slow to finish, headers over the limit, bytes
 * that are not HTTP) never reach Fastify's routing or error handler: they get the service's
 * `{"detail": …}` body here, instead of Fastify's `{"error", "message", "statusCode"}`, on a
 * connection that is then closed.
 */
export function answerClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection is already gone; there is nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, detail } = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED;
  this.log.debug({ err: error, status }, 'client error before routing');
  // As Node's own handler: no second status line into a response that is already being written.
  // (A response that has finished is detached from the socket; see docs/operations.md for that case.)
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify({ detail });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
