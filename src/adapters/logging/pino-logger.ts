import { pino, stdSerializers, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { prettyFactory } from 'pino-pretty';

/** LOG_FORMAT: `json`, `pretty`, or unset (`auto`: pretty when the destination is a terminal, else JSON). */
export type LogFormat = 'json' | 'pretty' | 'auto';

/** Header paths pino's fast redaction handles on every request line. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
];
const CENSOR = '[redacted]';
/** Any key that names a credential, at any depth of a logged object. */
const SECRET_KEY = /authorization|cookie|password|passwd|secret|token|api[-_]?key|signature|credential/i;
/** Stripe keys pasted into messages. */
const STRIPE_KEY = /\b(sk|rk|whsec)_[A-Za-z0-9_]{6,}/g;
const MAX_DEPTH = 6;

/**
 * Deep-copies a log object with credential-named keys censored and Stripe keys masked in strings,
 * so a careless `logger.info({ config })` cannot leak a secret.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(STRIPE_KEY, `$1_${CENSOR}`);
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  // This runs before pino's serializers, and an Error's message and stack are not enumerable:
  // serialize it here, or every logged `err` would be `{}`.
  if (value instanceof Error) return redactSecrets(stdSerializers.err(value), depth + 1);
  if (Array.isArray(value)) return value.map((entry) => redactSecrets(entry, depth + 1));
  // Fastify's request and reply (and other class instances) are left to their serializers: copying their
  // enumerable keys here logged `"req":{}` with no method, url or status code.
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    copy[key] = SECRET_KEY.test(key) && entry !== undefined && entry !== null ? CENSOR : redactSecrets(entry, depth + 1);
  }
  return copy;
}

/**
 * JSON lines on stdout (spec §7), secrets redacted; readable lines instead for a person at a terminal
 * (LOG_FORMAT=pretty, or unset with a TTY). The redaction happens before either format.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stdout, format: LogFormat = 'json'): PinoLogger {
  const pretty = format === 'pretty' || (format === 'auto' && (destination as { isTTY?: boolean }).isTTY === true);
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      // `err` arrives already serialized by redactSecrets; serializing it again would turn its type into "Object".
      serializers: { err: (err: unknown) => (err instanceof Error ? stdSerializers.err(err) : err) },
      base: { service: 'academy-billing' },
      formatters: { log: (object) => redactSecrets(object) as Record<string, unknown> },
      hooks: {
        // Messages are strings outside the log object: mask Stripe keys there too.
        logMethod(args, method) {
          const masked = args.map((arg) => (typeof arg === 'string' ? arg.replace(STRIPE_KEY, `$1_${CENSOR}`) : arg));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    pretty ? prettyLines(destination) : destination,
  );
}

/**
 * One readable line per entry (`12:04:05.120 INFO: request completed {"reqId":…}`), formatted in this
 * thread as each line is written: no worker thread, no buffering, nothing lost at exit. Coloured on a
 * terminal only, so a redirected file holds no escape codes.
 */
function prettyLines(destination: NodeJS.WritableStream): DestinationStream {
  const format = prettyFactory({
    colorize: (destination as { isTTY?: boolean }).isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  return { write: (line: string) => void destination.write(format(line)) };
}
