import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { parseRateLimit } from '../../src/config/rate-limit.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

t.test('an empty environment gives the documented defaults', async (t) => {
  const config = loadConfig({});
  t.equal(config.server.port, 3000);
  t.equal(config.server.host, '0.0.0.0');
  t.equal(config.server.trustProxy, 0);
  t.equal(config.database.url, undefined, 'no DATABASE_URL → PGlite');
  t.equal(config.database.pgliteDir, '.data/pglite');
  t.equal(config.stripe.priceCacheTtlSeconds, 300);
  t.same(config.academies.rateLimit, { max: 120, windowMs: 3_600_000 });
  t.equal(config.catalog.timeoutMs, 10_000);
  t.equal(config.catalog.retries, 3);
  t.same(config.sync.uuidAllowlist, []);
  t.same(config.sync.fieldOverridesByName, {});
  t.equal(config.intents.reservationMinutes, 1440);
  t.equal(config.intents.stalledFulfillmentSeconds, 180);
  t.ok(Object.isFrozen(config.sync), 'the configuration is frozen');
});

t.test('values are converted and empty strings mean unset', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    DATABASE_URL: 'postgres://u@db:5432/x',
    STRIPE_SECRET_KEY: '',
    ESSENTIAL_ACADEMY_NAME_ALLOWLIST: 'AI Academy, Data Academy',
    ESSENTIAL_ACADEMY_UUID_ALLOWLIST: '["2A1F0C3E-5B6D-4E7F-8A9B-0C1D2E3F4A5B"]',
    ESSENTIAL_ACADEMY_FIELD_OVERRIDES_BY_NAME: '{"ai academy": {"display_order": 3}}',
    ACADEMY_PRODUCTS_RATE_LIMIT: '5/minute',
  });
  t.equal(config.server.port, 8080);
  t.equal(config.database.url, 'postgres://u@db:5432/x');
  t.equal(config.stripe.secretKey, undefined, 'empty is unset');
  t.same(config.sync.nameAllowlist, ['AI Academy', 'Data Academy'], 'comma-separated list');
  t.same(config.sync.uuidAllowlist, ['2A1F0C3E-5B6D-4E7F-8A9B-0C1D2E3F4A5B'], 'JSON array');
  t.same(config.sync.fieldOverridesByName, { 'ai academy': { display_order: 3 } });
  t.same(config.academies.rateLimit, { max: 5, windowMs: 60_000 });
});

t.test('every malformed variable is named in one error', async (t) => {
  const problems = problemsOf({
    PORT: 'eighty',
    TRUST_PROXY: '99',
    LOG_LEVEL: 'loud',
    DATABASE_URL: 'mysql://x',
    ACADEMY_PRODUCTS_RATE_LIMIT: '5/fortnight',
    ESSENTIAL_ACADEMY_UUID_ALLOWLIST: '[1, 2]',
    ESSENTIAL_ACADEMY_CATALOG_QUERY_ID_BY_NAME: '{not json',
    ESSENTIAL_ACADEMY_FIELD_OVERRIDES_BY_ACADEMY_UUID: '{"x": 1}',
    ACADEMY_SYNC_ENTERPRISE_CUSTOMER_UUID: 'customer-1',
    ACADEMY_THUMBNAIL_S3_BASE_URL: 'ftp://bucket',
    STRIPE_PRICE_CACHE_TTL_SECONDS: '0',
  });
  const named = problems.map((problem) => problem.split(':')[0]);
  t.same(named.sort(), [
    'ACADEMY_PRODUCTS_RATE_LIMIT',
    'ACADEMY_SYNC_ENTERPRISE_CUSTOMER_UUID',
    'ACADEMY_THUMBNAIL_S3_BASE_URL',
    'DATABASE_URL',
    'ESSENTIAL_ACADEMY_CATALOG_QUERY_ID_BY_NAME',
    'ESSENTIAL_ACADEMY_FIELD_OVERRIDES_BY_ACADEMY_UUID',
    'ESSENTIAL_ACADEMY_UUID_ALLOWLIST',
    'LOG_LEVEL',
    'PORT',
    'STRIPE_PRICE_CACHE_TTL_SECONDS',
    'TRUST_PROXY',
  ]);
});

t.test('rate limits accept the DRF forms and nothing else', async (t) => {
  t.same(parseRateLimit('120/hour'), { max: 120, windowMs: 3_600_000 });
  t.same(parseRateLimit('10/s'), { max: 10, windowMs: 1_000 });
  t.same(parseRateLimit('1000/day'), { max: 1000, windowMs: 86_400_000 });
  for (const bad of ['', '0/hour', '-1/hour', '10', '10/week', 'ten/hour', '10/hour/2']) {
    t.equal(parseRateLimit(bad), null, `${JSON.stringify(bad)} is refused`);
  }
});

t.test('migrate connects as MIGRATION_DATABASE_URL when set, else as DATABASE_URL; serve migrates unless told not to', async (t) => {
  const runtime = 'postgres://app@db.example.test/billing';
  const migrator = 'postgres://migrator@db.example.test/billing';
  const both = loadConfig({ DATABASE_URL: runtime, MIGRATION_DATABASE_URL: migrator, MIGRATE_ON_SERVE: 'false' }).database;
  t.same([both.url, both.migrationUrl, both.migrateOnServe], [runtime, migrator, false], 'two roles, serve does not migrate');
  const one = loadConfig({ DATABASE_URL: runtime }).database;
  t.same([one.migrationUrl, one.migrateOnServe], [runtime, true], 'one role: migrate uses DATABASE_URL and serve migrates (the default)');
  t.equal(loadConfig({}).database.migrationUrl, undefined, 'neither: the embedded database');
  t.equal(loadConfig({ MIGRATION_DATABASE_URL: migrator }).database.migrationUrl, migrator, 'the migration Job sets MIGRATION_DATABASE_URL alone');
  t.same(problemsOf({ DATABASE_URL: runtime, MIGRATION_DATABASE_URL: 'mysql://x', MIGRATE_ON_SERVE: 'no' }).map((p) => p.split(':')[0]).sort(), ['MIGRATE_ON_SERVE', 'MIGRATION_DATABASE_URL'], 'malformed values are named');
});

t.test('Stripe Checkout settings: defaults, conversion and refusals', async (t) => {
  const defaults = loadConfig({});
  t.same(defaults.checkout, {
    successUrl: undefined,
    cancelUrl: undefined,
    teamsPriceLookupKey: undefined,
    sessionRateLimit: { max: 20, windowMs: 3_600_000 },
    reconcileBatchSize: 100,
    eventRetentionDays: 30,
  });
  const set = loadConfig({
    CHECKOUT_SUCCESS_URL: 'https://learn.example.com/done?session_id={CHECKOUT_SESSION_ID}',
    CHECKOUT_CANCEL_URL: 'https://learn.example.com/cancelled',
    TEAMS_STRIPE_PRICE_LOOKUP_KEY: 'teams_yearly',
    CHECKOUT_SESSION_RATE_LIMIT: '3/minute',
  });
  t.equal(set.checkout.successUrl, 'https://learn.example.com/done?session_id={CHECKOUT_SESSION_ID}', 'the placeholder is kept for Stripe');
  t.equal(set.checkout.teamsPriceLookupKey, 'teams_yearly');
  t.same(set.checkout.sessionRateLimit, { max: 3, windowMs: 60_000 });
  const named = problemsOf({
    CHECKOUT_SUCCESS_URL: 'learn.example.com/done',
    CHECKOUT_CANCEL_URL: 'javascript:alert(1)',
    TEAMS_STRIPE_PRICE_LOOKUP_KEY: 'two words',
    CHECKOUT_SESSION_RATE_LIMIT: 'lots',
  }).map((problem) => problem.split(':')[0]);
  t.same(named.sort(), ['CHECKOUT_CANCEL_URL', 'CHECKOUT_SESSION_RATE_LIMIT', 'CHECKOUT_SUCCESS_URL', 'TEAMS_STRIPE_PRICE_LOOKUP_KEY']);
});

t.test('CORS_ALLOWED_ORIGINS: unset is none; exact origins are kept, once each', async (t) => {
  t.same(loadConfig({}).corsAllowedOrigins, [], 'unset: no origin, no CORS');
  t.same(
    loadConfig({ CORS_ALLOWED_ORIGINS: ' https://app.example.com, http://localhost:5173 ,https://app.example.com,' }).corsAllowedOrigins,
    ['https://app.example.com', 'http://localhost:5173'],
    'trimmed, de-duplicated, a trailing comma ignored',
  );
});

t.test('CORS_ALLOWED_ORIGINS: an entry a browser could never send as its Origin stops start-up, naming the setting', async (t) => {
  const refused = {
    '*': /wildcard/,
    'https://app.example.com/': /not written as a browser sends it: https:\/\/app\.example\.com/,
    'https://app.example.com/path': /not written as a browser sends it/,
    'https://App.Example.com': /not written as a browser sends it: https:\/\/app\.example\.com/,
    'https://app.example.com:443': /not written as a browser sends it: https:\/\/app\.example\.com/,
    'app.example.com': /not an origin/,
    'null': /not an origin/,
    'ftp://files.example.com': /not an http\(s\) origin/,
  };
  for (const [entry, reason] of Object.entries(refused)) {
    const problems = problemsOf({ CORS_ALLOWED_ORIGINS: `https://ok.example.com,${entry}` });
    t.equal(problems.length, 1, `${entry}: one problem`);
    t.match(problems[0], /^CORS_ALLOWED_ORIGINS: /, `${entry}: names the setting`);
    t.match(problems[0], reason, `${entry}: says why`);
  }
});

t.test('reconcile settings: a bounded batch, and a retention longer than Stripe retries', async (t) => {
  const set = loadConfig({ RECONCILE_CHECKOUT_SESSIONS_BATCH_SIZE: '250', STRIPE_EVENT_RETENTION_DAYS: '7' });
  t.same([set.checkout.reconcileBatchSize, set.checkout.eventRetentionDays], [250, 7]);
  t.same(problemsOf({ RECONCILE_CHECKOUT_SESSIONS_BATCH_SIZE: '1001' }).map((p) => p.split(':')[0]), ['RECONCILE_CHECKOUT_SESSIONS_BATCH_SIZE'], 'at most 1000 per run');
  t.same(problemsOf({ RECONCILE_CHECKOUT_SESSIONS_BATCH_SIZE: '0' }).map((p) => p.split(':')[0]), ['RECONCILE_CHECKOUT_SESSIONS_BATCH_SIZE'], 'at least 1');
  t.same(problemsOf({ STRIPE_EVENT_RETENTION_DAYS: '3' }).map((p) => p.split(':')[0]), ['STRIPE_EVENT_RETENTION_DAYS'], 'not inside the 3 days Stripe retries');
});

t.test('OPENAPI_SERVER_URL is / by default, an http(s) URL when set, and anything else stops start-up naming it', async (t) => {
  t.equal(loadConfig({}).server.openApiServerUrl, '/');
  t.equal(loadConfig({ OPENAPI_SERVER_URL: 'https://billing.example.com' }).server.openApiServerUrl, 'https://billing.example.com');
  t.match(problemsOf({ OPENAPI_SERVER_URL: 'ftp://billing.example.com' }).join('\n'), /OPENAPI_SERVER_URL/);
  t.match(problemsOf({ OPENAPI_SERVER_URL: 'https://billing example' }).join('\n'), /OPENAPI_SERVER_URL/, 'no whitespace');
});

t.test('LOG_FORMAT: json or pretty; unset is auto (pretty at a terminal); anything else stops start-up naming it', async (t) => {
  t.equal(loadConfig({}).logFormat, 'auto');
  t.equal(loadConfig({ LOG_FORMAT: 'json' }).logFormat, 'json');
  t.equal(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
  const problems = problemsOf({ LOG_FORMAT: 'text' });
  t.equal(problems.length, 1);
  t.match(problems[0], /^LOG_FORMAT: .*\(json\|pretty\)/, 'names the setting and its values');
});

t.test('METRICS_PORT: 9464 by default, 0 for no metrics listener, never the API port', async (t) => {
  t.equal(loadConfig({}).server.metricsPort, 9464, 'the default (OpenTelemetry’s Prometheus port)');
  t.equal(loadConfig({ METRICS_PORT: '9100' }).server.metricsPort, 9100);
  t.equal(loadConfig({ METRICS_PORT: '0' }).server.metricsPort, 0, '0: none');
  t.match(problemsOf({ PORT: '9464' }), [/^METRICS_PORT: must differ from PORT/], 'the API port cannot be the metrics port');
  t.match(problemsOf({ METRICS_PORT: '70000' }), [/^METRICS_PORT: must be between 0 and 65535/]);
  t.same(problemsOf({ PORT: '0', METRICS_PORT: '0' }), [], 'two "none/any" zeros do not clash');
});

t.test('DOCS_ENABLED: on for the embedded default, off once a database is configured, explicit wins', async (t) => {
  const database = { DATABASE_URL: 'postgres://u@db:5432/x' };
  t.equal(loadConfig({}).server.docsEnabled, true, 'no DATABASE_URL: the embedded default serves /docs');
  t.equal(loadConfig(database).server.docsEnabled, false, 'with DATABASE_URL: off unless asked for');
  t.equal(loadConfig({ ...database, DOCS_ENABLED: 'true' }).server.docsEnabled, true);
  t.equal(loadConfig({ DOCS_ENABLED: 'false' }).server.docsEnabled, false);
  t.equal(loadConfig({ ...database, DOCS_ENABLED: '' }).server.docsEnabled, false, 'empty is unset');
  t.match(problemsOf({ DOCS_ENABLED: 'yes' }), [/^DOCS_ENABLED: .*\(true\|false\)/]);
});
