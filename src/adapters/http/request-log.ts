import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { PROBE_PATHS } from './routes/probes.route.ts';

const probes = new Set<string>(PROBE_PATHS);

/**
 * Fastify's request lines ("incoming request", "request completed"), at debug for the Kubernetes
 * probes: every probe wrote two info lines (about 0.6 lines a second per pod from the kubelet alone).
 * At LOG_LEVEL=debug they are back. A failing probe still says why at warn (probes.route.ts), and an
 * error is still logged as one.
 */
export class QuietProbesLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (!isProbe(request)) return super.incomingRequest(request, reply, metadata);
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (error || !isProbe(request)) return super.requestCompleted(error, request, reply, metadata);
    if (!this.isLogDisabled(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

function isProbe(request: FastifyRequest): boolean {
  return request.routeOptions.url !== undefined && probes.has(request.routeOptions.url);
}
