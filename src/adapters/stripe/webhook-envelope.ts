import { InvalidWebhookEventError } from '../../application/ports/stripe-events.ts';

/** The fields of a Stripe event every delivery needs, checked; the session object is read later, field by field. */
export interface WebhookEnvelope {
  readonly id: string;
  readonly type: string;
  /** Null when the event carries no `created`. */
  readonly created: Date | null;
  /** `data.object`, when it is an object; the caller decides whether its event kind needs one. */
  readonly object: Readonly<Record<string, unknown>> | null;
}

/** `stripe_events.event_id` and `.type` are varchar(255). */
export const MAX_EVENT_FIELD_LENGTH = 255;

// C0 controls and DEL: PostgreSQL refuses NUL in text, and none belongs in an id or a type a log line shows.
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const unit = value.charCodeAt(i);
    if (unit < 0x20 || unit === 0x7f) return true;
  }
  return false;
}

/**
 * A signature proves who sent the bytes, not that they are an event we can store: anything this service
 * would otherwise fail on later (a TypeError, a varchar overflow, an invalid Date) is refused here,
 * before any write, with a detail that names the field and never echoes its value.
 */
export function readEnvelope(event: unknown): WebhookEnvelope {
  if (!isObject(event)) throw new InvalidWebhookEventError('The event is not a JSON object.');
  const id = text(event['id'], 'id');
  const type = text(event['type'], 'type');
  const data = event['data'];
  const object = isObject(data) && isObject(data['object']) ? data['object'] : null;
  return { id, type, created: createdAt(event['created']), object };
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_EVENT_FIELD_LENGTH || hasControlCharacter(value)) {
    throw new InvalidWebhookEventError(`The event's ${field} must be a string of 1 to ${MAX_EVENT_FIELD_LENGTH} characters without control characters.`);
  }
  return value;
}

function createdAt(value: unknown): Date | null {
  if (value === undefined || value === null) return null;
  const date = typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? new Date(value * 1000) : null;
  if (date === null || Number.isNaN(date.getTime())) {
    throw new InvalidWebhookEventError("The event's created must be a positive integer of seconds since 1970 that is a valid date.");
  }
  return date;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
