import { Value } from '@sinclair/typebox/value';
import { UUID_PATTERN } from './domain/shapes.ts';
import { EnvSchema, type Env } from './config/env-schema.ts';
import { parseList, parseObject, parseObjectOfObjects, type SettingResult } from './config/json-settings.ts';
import { parseCorsOrigins } from './config/cors-origins.ts';
import { parseRateLimit, type RateLimit } from './config/rate-limit.ts';

export interface Config {
  readonly server: {
    readonly host: string;
    readonly port: number;
    /** METRICS_PORT: where `/metrics` is served (never on `port`); 0 = no metrics listener. */
    readonly metricsPort: number;
    /** DOCS_ENABLED: whether `/docs` and `/openapi.json` are served on `port`. */
    readonly docsEnabled: boolean;
    readonly trustProxy: number;
    readonly shutdownGraceMs: number;
    /** OPENAPI_SERVER_URL: the `servers` URL of the OpenAPI document (`/` = wherever it is served from). */
    readonly openApiServerUrl: string;
  };
  readonly logLevel: string;
  /** LOG_FORMAT; unset → `auto` (pretty on a terminal). */
  readonly logFormat: 'json' | 'pretty' | 'auto';
  readonly database: {
    readonly url: string | undefined;
    /** What `migrate` connects with: MIGRATION_DATABASE_URL, else DATABASE_URL. */
    readonly migrationUrl: string | undefined;
    /** Whether `serve` applies pending migrations before it listens (MIGRATE_ON_SERVE). */
    readonly migrateOnServe: boolean;
    readonly pgliteDir: string;
    readonly poolMax: number;
  };
  readonly stripe: {
    readonly secretKey: string | undefined;
    readonly apiUrl: string | undefined;
    readonly priceCacheTtlSeconds: number;
    readonly timeoutMs: number;
    readonly webhookSecret: string | undefined;
  };
  readonly catalog: {
    readonly apiUrl: string | undefined;
    readonly tokenUrl: string | undefined;
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    readonly timeoutMs: number;
    readonly retries: number;
  };
  readonly sync: {
    readonly enterpriseCustomerUuid: string | undefined;
    readonly uuidAllowlist: readonly string[];
    readonly nameAllowlist: readonly string[];
    readonly catalogQueryIdByAcademyUuid: Readonly<Record<string, unknown>>;
    readonly catalogQueryIdByName: Readonly<Record<string, unknown>>;
    readonly fieldOverridesByAcademyUuid: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
    readonly fieldOverridesByName: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  };
  readonly academies: { readonly thumbnailBaseUrl: string; readonly rateLimit: RateLimit };
  readonly redisUrl: string | undefined;
  readonly intents: { readonly reservationMinutes: number; readonly stalledFulfillmentSeconds: number; readonly maxOpenPerUser: number };
  /** AUTHENTICATED_WRITE_RATE_LIMIT: every authenticated write, per user, shared through Redis like the public limit. */
  readonly authenticatedWriteRateLimit: RateLimit;
  readonly jwt: {
    readonly secretKey: string | undefined;
    readonly jwksUrl: string | undefined;
    readonly issuer: string | undefined;
    readonly audience: string | undefined;
    readonly maxTokenAgeSeconds: number;
  };
  /** Paying an intent through Stripe Checkout (issue 14). */
  readonly checkout: {
    readonly successUrl: string | undefined;
    readonly cancelUrl: string | undefined;
    readonly teamsPriceLookupKey: string | undefined;
    /** Per user, on session creation. */
    readonly sessionRateLimit: RateLimit;
    /** reconcile-checkout-sessions: sessions per run, and how long stripe_events rows are kept. */
    readonly reconcileBatchSize: number;
    readonly eventRetentionDays: number;
  };
  /** CORS_ALLOWED_ORIGINS, exact origins; empty: no CORS headers at all. */
  readonly corsAllowedOrigins: readonly string[];
  readonly examplesDir: string;
}

/** A configuration problem; the message names every offending variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}


/** Validates the environment against the schema and builds a frozen Config; throws ConfigError. */
export function loadConfig(source: Readonly<Record<string, string | undefined>>): Config {
  const raw = Object.fromEntries(
    Object.keys(EnvSchema.properties)
      .map((name) => [name, source[name]] as const)
      // An empty variable means "unset", as in most deployment tools.
      .filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const env = Value.Default(EnvSchema, raw) as Env;
  const problems = [...Value.Errors(EnvSchema, env)].map(
    (error) => `${error.path.slice(1)}: ${error.message} (${describe(error.path.slice(1))})`,
  );
  const malformed = new Set(problems.map((problem) => problem.split(':')[0]));
  problems.push(...rangeProblems(env).filter((problem) => !malformed.has(problem.split(':')[0])));

  const setting = <T>(name: keyof Env, result: SettingResult<T>, fallback: T): T => {
    if (result.ok) return result.value;
    problems.push(`${name}: ${result.reason}`);
    return fallback;
  };
  const rateLimitSetting = (name: 'ACADEMY_PRODUCTS_RATE_LIMIT' | 'AUTHENTICATED_WRITE_RATE_LIMIT' | 'CHECKOUT_SESSION_RATE_LIMIT'): RateLimit => {
    const parsed = parseRateLimit(env[name]);
    if (!parsed) problems.push(`${name}: must look like N/second|minute|hour|day`);
    return parsed ?? { max: 1, windowMs: 1 };
  };
  const customer = env.ACADEMY_SYNC_ENTERPRISE_CUSTOMER_UUID?.trim();
  if (customer && !UUID_PATTERN.test(customer)) problems.push('ACADEMY_SYNC_ENTERPRISE_CUSTOMER_UUID: must be a UUID');
  if (env.JWT_SECRET_KEY && env.JWT_JWKS_URL) problems.push('JWT_SECRET_KEY and JWT_JWKS_URL: set one, not both');
  problems.push(...jwtProblems(env));
  if (int(env.METRICS_PORT) !== 0 && int(env.METRICS_PORT) === int(env.PORT)) problems.push('METRICS_PORT: must differ from PORT (or be 0: no metrics listener)');

  const config: Config = {
    server: {
      host: env.HOST,
      port: int(env.PORT),
      metricsPort: int(env.METRICS_PORT),
      // Unset: served by the embedded default (a laptop), not where a database is configured (decision 0020).
      docsEnabled: env.DOCS_ENABLED === undefined ? env.DATABASE_URL === undefined : env.DOCS_ENABLED === 'true',
      trustProxy: int(env.TRUST_PROXY),
      shutdownGraceMs: int(env.SHUTDOWN_GRACE_MS),
      openApiServerUrl: env.OPENAPI_SERVER_URL,
    },
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT ?? 'auto',
    database: {
      url: env.DATABASE_URL,
      migrationUrl: env.MIGRATION_DATABASE_URL ?? env.DATABASE_URL,
      migrateOnServe: env.MIGRATE_ON_SERVE === 'true',
      pgliteDir: env.PGLITE_DIR,
      poolMax: int(env.DATABASE_POOL_MAX),
    },
    stripe: {
      secretKey: env.STRIPE_SECRET_KEY,
      apiUrl: env.STRIPE_API_URL,
      priceCacheTtlSeconds: int(env.STRIPE_PRICE_CACHE_TTL_SECONDS),
      timeoutMs: int(env.STRIPE_TIMEOUT_MS),
      webhookSecret: env.STRIPE_WEBHOOK_SECRET,
    },
    catalog: {
      apiUrl: env.CATALOG_API_URL,
      tokenUrl: env.CATALOG_OAUTH_TOKEN_URL,
      clientId: env.CATALOG_CLIENT_ID,
      clientSecret: env.CATALOG_CLIENT_SECRET,
      timeoutMs: int(env.CATALOG_TIMEOUT_MS),
      retries: int(env.CATALOG_RETRIES),
    },
    sync: {
      enterpriseCustomerUuid: customer?.toLowerCase() || undefined,
      uuidAllowlist: setting('ESSENTIAL_ACADEMY_UUID_ALLOWLIST', parseList(env.ESSENTIAL_ACADEMY_UUID_ALLOWLIST), []),
      nameAllowlist: setting('ESSENTIAL_ACADEMY_NAME_ALLOWLIST', parseList(env.ESSENTIAL_ACADEMY_NAME_ALLOWLIST), []),
      catalogQueryIdByAcademyUuid: setting(
        'ESSENTIAL_ACADEMY_CATALOG_QUERY_ID_BY_ACADEMY_UUID',
        parseObject(env.ESSENTIAL_ACADEMY_CATALOG_QUERY_ID_BY_ACADEMY_UUID),
        {},
      ),
      catalogQueryIdByName: setting(
        'ESSENTIAL_ACADEMY_CATALOG_QUERY_ID_BY_NAME',
        parseObject(env.ESSENTIAL_ACADEMY_CATALOG_QUERY_ID_BY_NAME),
        {},
      ),
      fieldOverridesByAcademyUuid: setting(
        'ESSENTIAL_ACADEMY_FIELD_OVERRIDES_BY_ACADEMY_UUID',
        parseObjectOfObjects(env.ESSENTIAL_ACADEMY_FIELD_OVERRIDES_BY_ACADEMY_UUID),
        {},
      ),
      fieldOverridesByName: setting(
        'ESSENTIAL_ACADEMY_FIELD_OVERRIDES_BY_NAME',
        parseObjectOfObjects(env.ESSENTIAL_ACADEMY_FIELD_OVERRIDES_BY_NAME),
        {},
      ),
    },
    academies: { thumbnailBaseUrl: env.ACADEMY_THUMBNAIL_S3_BASE_URL, rateLimit: rateLimitSetting('ACADEMY_PRODUCTS_RATE_LIMIT') },
    authenticatedWriteRateLimit: rateLimitSetting('AUTHENTICATED_WRITE_RATE_LIMIT'),
    redisUrl: env.REDIS_URL,
    intents: {
      reservationMinutes: int(env.INTENT_RESERVATION_DURATION_MINUTES),
      stalledFulfillmentSeconds: int(env.STALLED_FULFILLMENT_SECONDS),
      maxOpenPerUser: int(env.MAX_OPEN_INTENTS_PER_USER),
    },
    jwt: {
      secretKey: env.JWT_SECRET_KEY,
      jwksUrl: env.JWT_JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      maxTokenAgeSeconds: int(env.JWT_MAX_TOKEN_AGE_SECONDS),
    },
    checkout: {
      successUrl: env.CHECKOUT_SUCCESS_URL,
      cancelUrl: env.CHECKOUT_CANCEL_URL,
      teamsPriceLookupKey: env.TEAMS_STRIPE_PRICE_LOOKUP_KEY,
      sessionRateLimit: rateLimitSetting('CHECKOUT_SESSION_RATE_LIMIT'),
      reconcileBatchSize: int(env.RECONCILE_CHECKOUT_SESSIONS_BATCH_SIZE),
      eventRetentionDays: int(env.STRIPE_EVENT_RETENTION_DAYS),
    },
    corsAllowedOrigins: setting('CORS_ALLOWED_ORIGINS', parseCorsOrigins(env.CORS_ALLOWED_ORIGINS), []),
    examplesDir: env.EXAMPLES_DIR,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** HMAC keys as long as the hash; issuer and audience checked unless the opt-out is explicit (or the embedded default). */
function jwtProblems(env: Env): string[] {
  const problems: string[] = [];
  if (env.JWT_SECRET_KEY && new TextEncoder().encode(env.JWT_SECRET_KEY).length < MIN_JWT_SECRET_BYTES) {
    problems.push(`JWT_SECRET_KEY: must be at least ${MIN_JWT_SECRET_BYTES} bytes`);
  }
  // Unset: allowed only for the embedded default (no DATABASE_URL); anywhere else it must be said explicitly.
  const anyIssuer = env.JWT_ALLOW_ANY_ISSUER === undefined ? env.DATABASE_URL === undefined : env.JWT_ALLOW_ANY_ISSUER === 'true';
  if ((env.JWT_SECRET_KEY || env.JWT_JWKS_URL) && !anyIssuer) {
    if (!env.JWT_ISSUER) problems.push('JWT_ISSUER: required with a JWT key (or set JWT_ALLOW_ANY_ISSUER=true explicitly)');
    if (!env.JWT_AUDIENCE) problems.push('JWT_AUDIENCE: required with a JWT key (or set JWT_ALLOW_ANY_ISSUER=true explicitly)');
  }
  return problems;
}

const MIN_JWT_SECRET_BYTES = 32;

function int(text: string): number {
  return Number.parseInt(text.trim(), 10);
}

function describe(name: string): string {
  const schema = (EnvSchema.properties as Record<string, { description?: string }>)[name];
  return schema?.description ?? 'see .env.example';
}

function rangeProblems(env: Env): string[] {
  return Object.entries(EnvSchema.properties).flatMap(([name, schema]) => {
    const range = (schema as { 'x-range'?: readonly [number, number] })['x-range'];
    const text = env[name as keyof Env];
    if (!range || typeof text !== 'string') return [];
    const value = int(text);
    return value >= range[0] && value <= range[1] ? [] : [`${name}: must be between ${range[0]} and ${range[1]}`];
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const entry of Object.values(value)) deepFreeze(entry);
  }
  return value;
}
