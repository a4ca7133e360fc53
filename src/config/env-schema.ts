import { Type, type Static } from '@sinclair/typebox';

/** Integers arrive as text; `x-range` carries the bounds `loadConfig` enforces after conversion. */
const Integer = (minimum: number, maximum: number, defaultValue: string) =>
  Type.String({
    pattern: '^\\s*\\d+\\s*$',
    default: defaultValue,
    description: `integer ${minimum}..${maximum}`,
    'x-range': [minimum, maximum],
  });
const Url = () => Type.String({ pattern: '^https?://\\S+$', description: 'http(s) URL' });
const Json = (description: string) => Type.String({ default: '', description });

/**
 * Every variable of spec §8 (plus the few this service adds), as it arrives in
 * process.env: strings. `loadConfig` checks these shapes, then converts.
 */
export const EnvSchema = Type.Object({
  PORT: Integer(0, 65535, '3000'),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  /** Prometheus `/metrics` on its own listener (same HOST), never on PORT; `0` starts no metrics listener. */
  METRICS_PORT: Integer(0, 65535, '9464'),
  /** `/docs` and `/openapi.json` on PORT; unset: on for the embedded default (no DATABASE_URL), off otherwise. */
  DOCS_ENABLED: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true|false' })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info', description: 'fatal|error|warn|info|debug|trace|silent' },
  ),
  /** Unset: readable lines when stdout (stderr for jobs) is a terminal, else JSON (src/adapters/logging/pino-logger.ts). */
  LOG_FORMAT: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('pretty')], { description: 'json|pretty' })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://\\S+$', description: 'postgres:// URL' })),
  /** The role `migrate` connects as (DDL rights); unset → DATABASE_URL. */
  MIGRATION_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://\\S+$', description: 'postgres:// URL' })),
  /** `false`: `serve` applies no migration and stops (exit 1) while one is pending; for a runtime role without DDL rights. */
  MIGRATE_ON_SERVE: Type.Union([Type.Literal('true'), Type.Literal('false')], { default: 'true', description: 'true|false' }),
  PGLITE_DIR: Type.String({ minLength: 1, default: '.data/pglite' }),
  DATABASE_POOL_MAX: Integer(1, 100, '10'),
  STRIPE_SECRET_KEY: Type.Optional(Type.String({ pattern: '^(sk|rk)_\\S+$', description: 'sk_… or rk_… key' })),
  STRIPE_API_URL: Type.Optional(Url()),
  STRIPE_PRICE_CACHE_TTL_SECONDS: Integer(1, 86400, '300'),
  STRIPE_TIMEOUT_MS: Integer(100, 60000, '2000'),
  STRIPE_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  CATALOG_API_URL: Type.Optional(Url()),
  CATALOG_OAUTH_TOKEN_URL: Type.Optional(Url()),
  CATALOG_CLIENT_ID: Type.Optional(Type.String({ minLength: 1 })),
  CATALOG_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  CATALOG_TIMEOUT_MS: Integer(100, 600000, '10000'),
  CATALOG_RETRIES: Integer(0, 10, '3'),
  ACADEMY_SYNC_ENTERPRISE_CUSTOMER_UUID: Type.Optional(Type.String()),
  ESSENTIAL_ACADEMY_UUID_ALLOWLIST: Json('JSON array or comma-separated list'),
  ESSENTIAL_ACADEMY_NAME_ALLOWLIST: Json('JSON array or comma-separated list'),
  ESSENTIAL_ACADEMY_CATALOG_QUERY_ID_BY_ACADEMY_UUID: Json('JSON object'),
  ESSENTIAL_ACADEMY_CATALOG_QUERY_ID_BY_NAME: Json('JSON object'),
  ESSENTIAL_ACADEMY_FIELD_OVERRIDES_BY_ACADEMY_UUID: Json('JSON object of objects'),
  ESSENTIAL_ACADEMY_FIELD_OVERRIDES_BY_NAME: Json('JSON object of objects'),
  ACADEMY_THUMBNAIL_S3_BASE_URL: Type.String({ default: '', pattern: '^(|https?://\\S+)$', description: "'' or an http(s) URL" }),
  ACADEMY_PRODUCTS_RATE_LIMIT: Type.String({ default: '120/hour', description: 'N/second|minute|hour|day' }),
  TRUST_PROXY: Integer(0, 10, '0'),
  OPENAPI_SERVER_URL: Type.String({ minLength: 1, pattern: '^(/|https?://)\\S*$', default: '/', description: 'base URL the OpenAPI document names: / or an http(s) URL' }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://\\S+$', description: 'redis:// URL' })),
  INTENT_RESERVATION_DURATION_MINUTES: Integer(1, 525600, '1440'),
  STALLED_FULFILLMENT_SECONDS: Integer(1, 31536000, '180'),
  MAX_OPEN_INTENTS_PER_USER: Integer(1, 1000, '20'),
  AUTHENTICATED_WRITE_RATE_LIMIT: Type.String({ default: '30/minute', description: 'N/second|minute|hour|day' }),
  JWT_SECRET_KEY: Type.Optional(Type.String({ minLength: 1 })),
  JWT_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://\\S+$', description: 'http(s) URL' })),
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  JWT_MAX_TOKEN_AGE_SECONDS: Integer(60, 31536000, '86400'),
  JWT_ALLOW_ANY_ISSUER: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true|false' })),
  /** Comma-separated exact origins a browser may call the API from; unset → no CORS headers (src/config/cors-origins.ts). */
  CORS_ALLOWED_ORIGINS: Type.Optional(Type.String({ description: 'comma-separated origins, e.g. https://app.example.com' })),
  EXAMPLES_DIR: Type.String({ minLength: 1, default: 'examples' }),
  SHUTDOWN_GRACE_MS: Integer(100, 120000, '10000'),
  TEAMS_STRIPE_PRICE_LOOKUP_KEY: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^\\S+$', description: 'a Stripe price lookup key' })),
  CHECKOUT_SUCCESS_URL: Type.Optional(Url()),
  CHECKOUT_CANCEL_URL: Type.Optional(Url()),
  CHECKOUT_SESSION_RATE_LIMIT: Type.String({ default: '20/hour', description: 'N/second|minute|hour|day' }),
  /** reconcile-checkout-sessions: sessions asked of Stripe per run. */
  RECONCILE_CHECKOUT_SESSIONS_BATCH_SIZE: Integer(1, 1000, '100'),
  /** reconcile-checkout-sessions deletes stripe_events rows older than this (more than Stripe's 3 days of retries). */
  STRIPE_EVENT_RETENTION_DAYS: Integer(4, 3650, '30'),
});

export type Env = Static<typeof EnvSchema>;
