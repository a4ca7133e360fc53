/**
 * Error class and HTTP status only: Stripe's messages can quote (part of) the API key, and this
 * text ends up in logs and possibly responses. The full error stays available as `cause` for the log.
 */
export function describeStripeFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? `${error.name}, status ${status}` : error.name;
}
