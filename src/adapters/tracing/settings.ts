/**
 * Tracing is on only when an OTLP endpoint is configured with the standard variables
 * (OTEL_EXPORTER_OTLP_ENDPOINT, or the traces-only OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and
 * neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none turns it off.
 */
export function tracingEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  return Boolean(endpoint) && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true' && env.OTEL_TRACES_EXPORTER?.trim() !== 'none';
}

/** Requests that would only add noise: the probes and the scrape, every few seconds per pod. */
export const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);
