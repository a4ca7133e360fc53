import { trace } from '@opentelemetry/api';

/**
 * Exports the spans still buffered, before the process exits (close-with-grace ends `serve` with
 * process.exit). A no-op when tracing is off: the API's default provider has nothing to flush.
 */
export async function flushTraces(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
  await provider.getDelegate?.().forceFlush?.();
}
