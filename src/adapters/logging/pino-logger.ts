import { pino, type Logger as PinoLogger } from 'pino';

/** Everything that could let a reader of the logs act as someone else. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.token',
  '*.access_token',
  '*.secretKey',
  '*.clientSecret',
  '*.password',
];

/** JSON lines on stdout (spec §7), secrets redacted. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): PinoLogger {
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'academy-billing' } },
    destination ?? process.stdout,
  );
}
