import { register } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { UNTRACED_PATHS } from './settings.ts';

/**
 * OpenTelemetry's Node SDK, configured by the standard OTEL_* variables (endpoint, protocol, headers,
 * service name, resource attributes, sampler, propagators, batch sizes), with spans for:
 * - every HTTP request served (node:http, named after the Fastify route by @fastify/otel, with a
 *   span per Fastify hook and handler); an incoming W3C `traceparent` continues its trace;
 * - every PostgreSQL query made inside one (pg);
 * - every outgoing HTTP call: Stripe (its SDK's node:http client) and enterprise-catalog (got), which
 *   carry `traceparent` on to them.
 * Only traces: metrics stay Prometheus' (/metrics) and logs pino's unless OTEL_METRICS_EXPORTER /
 * OTEL_LOGS_EXPORTER ask for more.
 */
export function startTracing(): void {
  // import-in-the-middle: wraps ES modules as they load, which require hooks cannot see.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  process.env.OTEL_SERVICE_NAME ||= 'academy-billing';
  process.env.OTEL_METRICS_EXPORTER ||= 'none';
  process.env.OTEL_LOGS_EXPORTER ||= 'none';
  const sdk = new NodeSDK({
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? '') }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true, ignorePaths: (route) => UNTRACED_PATHS.has(route.url) }),
      // Queries outside a traced operation (readiness checks, start-up) would each be a lone trace.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
}
