import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import { PROBE_PATHS } from './routes/probes.route.ts';

const probes = new Set<string>(PROBE_PATHS);

/**
 * Fastify's request lines ("incoming request", "request completed"), at debug for the Kubernetes
 * probes: every probe wrote two info lines (about 0.6 lines a second per pod from the kubelet alone).
 * At LOG_LEVEL=debug they are back. A failing probe still says why at warn (probes.route.ts), and an
 * error is still logged as one. At warn and above neither line is written, and the request's route is
 * not looked at.
 */
export class QuietProbesLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    // Request lines are at info (debug for a probe): above info, none is written.
    if (!writes(request.log, 'info')) return;
    if (!isProbe(request)) return super.incomingRequest(request, reply, metadata);
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (error) return super.requestCompleted(error, request, reply, metadata);
    if (!writes(reply.log, 'info')) return;
    if (!isProbe(request)) return super.requestCompleted(error, request, reply, metadata);
    if (!this.isLogDisabled(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

function isProbe(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && probes.has(route);
}

type LevelMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
/** pino's standard levels. */
const LEVEL_VALUES: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** Whether `logger` writes a line at `level`; at a level not listed above, pino decides (true). */
export function writes(logger: FastifyBaseLogger, level: LevelMethod): boolean {
  const threshold = LEVEL_VALUES[logger.level];
  return threshold === undefined || (LEVEL_VALUES[level] ?? 0) >= threshold;
}

/**
 * A request's logger (`request.log`, `reply.log`): pino's child carrying the request id, made on the
 * first line actually written. Fastify made it for every request (pino copies its formatters, serializes
 * the bindings and rebuilds its level methods: about 1–2 µs), and at LOG_LEVEL=warn, or for a probe at
 * info, nothing ever writes through it. What is written is what the child writes.
 */
class LazyRequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
  ) {}

  get level(): FastifyBaseLogger['level'] {
    return (this.#child ?? this.parent).level;
  }

  set level(level: FastifyBaseLogger['level']) {
    this.logger().level = level;
  }

  fatal(...line: unknown[]): void {
    this.write('fatal', line);
  }

  error(...line: unknown[]): void {
    this.write('error', line);
  }

  warn(...line: unknown[]): void {
    this.write('warn', line);
  }

  info(...line: unknown[]): void {
    this.write('info', line);
  }

  debug(...line: unknown[]): void {
    this.write('debug', line);
  }

  trace(...line: unknown[]): void {
    this.write('trace', line);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  private write(level: LevelMethod, line: unknown[]): void {
    // Below the level nothing is written: no child is made for it.
    if (!writes(this, level)) return;
    const logger = this.logger();
    Reflect.apply(logger[level], logger, line);
  }

  private logger(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings));
  }
}

/**
 * Fastify's `childLoggerFactory`: the lazy request logger, or pino's child at once when the route sets
 * its own log level or serializers (none does today).
 */
export const requestLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) =>
  options.level !== undefined || options.serializers !== undefined ? logger.child(bindings, options) : new LazyRequestLogger(logger, bindings);
