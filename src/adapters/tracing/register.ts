/**
 * The tracing preload: `node --import ./dist/src/adapters/tracing/register.js dist/src/main.js …`
 * (`npm start` and the other npm scripts pass the .ts source). It must run before the service's
 * modules load, so that the ESM loader hook can wrap fastify, pg and node:http as they are imported.
 * Without an OTLP endpoint (docs/decisions/0013) it loads nothing else: no SDK, no hook, no cost.
 */
import { tracingEnabled } from './settings.ts';

if (tracingEnabled(process.env)) {
  const { startTracing } = await import('./sdk.ts');
  startTracing();
}
