/**
 * Issue 15, finding 6 (configuration): weak JWT set-ups stop the service at start-up (loadConfig's
 * ConfigError is exit 78 in the CLI, tests/unit/config.test.ts and the CLI tests), naming the setting.
 */
import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.ts';

const DATABASE = { DATABASE_URL: 'postgres://app@db.example.test/academy_billing' };
const STRONG = 'k'.repeat(32);

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

t.test('an HMAC secret under 32 bytes is refused, naming JWT_SECRET_KEY', async (t) => {
  t.match(problemsOf({ JWT_SECRET_KEY: 'a' }), [/^JWT_SECRET_KEY: must be at least 32 bytes/]);
  t.match(problemsOf({ JWT_SECRET_KEY: 'é'.repeat(15) }), [/^JWT_SECRET_KEY/], '30 bytes of UTF-8 is still short');
  t.same(problemsOf({ JWT_SECRET_KEY: STRONG }), [], '32 bytes is enough (embedded default)');
});

t.test('with a database and a key, JWT_ISSUER and JWT_AUDIENCE are required unless the opt-out is explicit', async (t) => {
  const problems = problemsOf({ ...DATABASE, JWT_SECRET_KEY: STRONG });
  t.ok(problems.some((p) => p.startsWith('JWT_ISSUER: required')), 'names JWT_ISSUER');
  t.ok(problems.some((p) => p.startsWith('JWT_AUDIENCE: required')), 'names JWT_AUDIENCE');
  t.ok(problemsOf({ ...DATABASE, JWT_JWKS_URL: 'https://idp.example.test/jwks', JWT_ISSUER: 'https://idp.example.test' }).some((p) => p.startsWith('JWT_AUDIENCE')), 'JWKS too');
  t.same(problemsOf({ ...DATABASE, JWT_SECRET_KEY: STRONG, JWT_ISSUER: 'lms', JWT_AUDIENCE: 'academy-billing' }), [], 'both set: fine');
  t.same(problemsOf({ ...DATABASE, JWT_SECRET_KEY: STRONG, JWT_ALLOW_ANY_ISSUER: 'true' }), [], 'explicit opt-out: fine');
  t.ok(problemsOf({ JWT_SECRET_KEY: STRONG, JWT_ALLOW_ANY_ISSUER: 'false' }).some((p) => p.startsWith('JWT_ISSUER')), 'the embedded default can opt back in');
  t.ok(problemsOf({ JWT_SECRET_KEY: STRONG, JWT_ALLOW_ANY_ISSUER: 'yes' }).some((p) => p.startsWith('JWT_ALLOW_ANY_ISSUER')), 'only true|false');
  t.same(problemsOf({ ...DATABASE }), [], 'no key at all: authentication off (503), nothing to check');
});

t.test('JWT_MAX_TOKEN_AGE_SECONDS is bounded', async (t) => {
  t.match(problemsOf({ JWT_MAX_TOKEN_AGE_SECONDS: '10' }), [/^JWT_MAX_TOKEN_AGE_SECONDS: must be between 60 and 31536000/]);
  t.equal(loadConfig({}).jwt.maxTokenAgeSeconds, 86_400, 'default 24 h');
});
