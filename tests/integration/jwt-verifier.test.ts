import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import type { Test } from 'tap';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { JWTPayload } from 'jose';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import { parseAuthorizationHeader } from '../../src/adapters/http/authorization-header.ts';
import { AuthenticationError, TokenVerificationUnavailable } from '../../src/application/ports/token-verifier.ts';
import type { TokenVerifier } from '../../src/application/ports/token-verifier.ts';

const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';
const secretBytes = new TextEncoder().encode(SECRET);
const ISSUER = 'https://lms.example.com/oauth2';
const AUDIENCE = 'academy-billing';

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function hsToken(claims: JWTPayload, options: { key?: Uint8Array; exp?: number | null; nbf?: number } = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? nowSeconds() + 300);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(options.key ?? secretBytes);
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Asserts that verification fails with AuthenticationError for `reason` and that the token is not echoed. */
async function assertRefused(t: Test, verifier: TokenVerifier, token: string, reason: string): Promise<void> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.ok(error instanceof AuthenticationError, 'verification fails with AuthenticationError');
  t.equal((error as AuthenticationError).code, 'auth.invalid_token', 'with the stable code auth.invalid_token');
  t.equal((error as AuthenticationError).reason, reason, `because of ${reason}`);
  t.notMatch((error as Error).message, token, 'the message does not contain the token');
}

const secretVerifier = jwtVerifier({ secretKey: SECRET });

t.test('shared-secret (HS256) verification', async (t) => {
  t.test('a valid token gives the user id and a non-admin principal', async (t) => {
    const principal = await secretVerifier.verify(await hsToken({ user_id: 'u-7' }));
    t.same(principal, { userId: 'u-7', isAdmin: false }, 'principal from user_id');
  });
  t.test('a numeric user_id becomes a string', async (t) => {
    const principal = await secretVerifier.verify(await hsToken({ user_id: 12345 }));
    t.equal(principal.userId, '12345', 'user id is the string "12345"');
  });
  t.test('without user_id the subject is the user id', async (t) => {
    const principal = await secretVerifier.verify(await hsToken({ sub: 'anon-sub-1' }));
    t.equal(principal.userId, 'anon-sub-1', 'user id from sub');
  });
  t.test('user_id wins over sub', async (t) => {
    const principal = await secretVerifier.verify(await hsToken({ user_id: 9, sub: 'anon-sub-1' }));
    t.equal(principal.userId, '9', 'user id from user_id');
  });
  t.test('administrator true makes an admin', async (t) => {
    const principal = await secretVerifier.verify(await hsToken({ user_id: 1, administrator: true }));
    t.equal(principal.isAdmin, true, 'isAdmin is true');
  });
  t.test('administrator "true" as a string does not make an admin', async (t) => {
    const principal = await secretVerifier.verify(await hsToken({ user_id: 1, administrator: 'true' }));
    t.equal(principal.isAdmin, false, 'isAdmin is false');
  });
  t.test('a token with neither user_id nor sub is refused', async (t) => {
    await assertRefused(t, secretVerifier, await hsToken({ name: 'nobody' }), 'missing_user_id');
  });
  t.test('a token with an object user_id is refused rather than falling back to sub', async (t) => {
    await assertRefused(t, secretVerifier, await hsToken({ user_id: { id: 1 }, sub: 's' }), 'missing_user_id');
  });
  t.test('an expired token is refused', async (t) => {
    await assertRefused(t, secretVerifier, await hsToken({ user_id: 1 }, { exp: nowSeconds() - 60 }), 'expired');
  });
  t.test('a token that is not yet valid is refused', async (t) => {
    await assertRefused(t, secretVerifier, await hsToken({ user_id: 1 }, { nbf: nowSeconds() + 600 }), 'not_yet_valid');
  });
  t.test('a token without exp is refused', async (t) => {
    await assertRefused(t, secretVerifier, await hsToken({ user_id: 1 }, { exp: null }), 'claim_invalid');
  });
  t.test('a token signed with another secret is refused', async (t) => {
    const other = new TextEncoder().encode('another-secret-of-at-least-thirty-two-b');
    await assertRefused(t, secretVerifier, await hsToken({ user_id: 1 }, { key: other }), 'signature_invalid');
  });
  t.test('an unsigned alg "none" token is refused', async (t) => {
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ user_id: 1, exp: nowSeconds() + 300 })}.`;
    await assertRefused(t, secretVerifier, unsigned, 'algorithm_not_allowed');
  });
  t.test('garbage is refused as malformed', async (t) => {
    await assertRefused(t, secretVerifier, 'not-a-jwt', 'malformed');
  });
});

t.test('issuer and audience', async (t) => {
  const strict = jwtVerifier({ secretKey: SECRET, issuer: ISSUER, audience: AUDIENCE });
  t.test('a token with the configured issuer and audience is accepted', async (t) => {
    const principal = await strict.verify(await hsToken({ user_id: 1, iss: ISSUER, aud: AUDIENCE }));
    t.equal(principal.userId, '1', 'accepted');
  });
  t.test('a token from another issuer is refused', async (t) => {
    await assertRefused(t, strict, await hsToken({ user_id: 1, iss: 'https://evil.example', aud: AUDIENCE }), 'claim_invalid');
  });
  t.test('a token for another audience is refused', async (t) => {
    await assertRefused(t, strict, await hsToken({ user_id: 1, iss: ISSUER, aud: 'other-service' }), 'claim_invalid');
  });
  t.test('a token without issuer is refused when an issuer is configured', async (t) => {
    await assertRefused(t, strict, await hsToken({ user_id: 1, aud: AUDIENCE }), 'claim_invalid');
  });
});

t.test('JWKS (RS256) verification and algorithm confusion', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  let jwksStatus = 200;
  let jwksRequests = 0;
  const server = createServer((_request, response) => {
    jwksRequests += 1;
    response.writeHead(jwksStatus, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;

  const rsToken = (kid: string, claims: JWTPayload = { user_id: 77 }): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).setExpirationTime('5m').sign(privateKey);

  t.test('an RS256 token signed by a published key is accepted', async (t) => {
    const principal = await jwtVerifier({ jwksUrl }).verify(await rsToken('key-1'));
    t.same(principal, { userId: '77', isAdmin: false }, 'principal from the RS256 token');
    t.ok(jwksRequests >= 1, 'the key set was fetched from the JWKS URL');
  });
  t.test('a token whose kid is not in the key set is refused', async (t) => {
    await assertRefused(t, jwtVerifier({ jwksUrl }), await rsToken('unknown-kid'), 'key_not_found');
  });
  t.test('an HS256 token signed with the public key PEM as secret is refused by a JWKS verifier', async (t) => {
    const pem = new TextEncoder().encode(await exportSPKI(publicKey));
    const forged = await new SignJWT({ user_id: 1, administrator: true })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setExpirationTime('5m')
      .sign(pem);
    await assertRefused(t, jwtVerifier({ jwksUrl }), forged, 'algorithm_not_allowed');
  });
  t.test('an RS256 token is refused by a shared-secret verifier', async (t) => {
    await assertRefused(t, secretVerifier, await rsToken('key-1'), 'algorithm_not_allowed');
  });
  t.test('an unreachable key set is reported as unavailable, not as a bad token', async (t) => {
    jwksStatus = 500;
    t.teardown(() => {
      jwksStatus = 200;
    });
    const error = await jwtVerifier({ jwksUrl })
      .verify(await rsToken('key-1'))
      .then(() => undefined, (caught: unknown) => caught);
    t.ok(error instanceof TokenVerificationUnavailable, 'verification fails with TokenVerificationUnavailable');
  });
  t.test('a key set host that refuses connections is reported as unavailable', async (t) => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await jwtVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks.json` })
      .verify(await rsToken('key-1'))
      .then(() => undefined, (caught: unknown) => caught);
    t.ok(error instanceof TokenVerificationUnavailable, 'verification fails with TokenVerificationUnavailable');
  });
});

t.test('configuration mistakes fail when the verifier is built', async (t) => {
  t.test('a secret verifier refuses an RS256 allowlist', async (t) => {
    t.throws(() => jwtVerifier({ secretKey: SECRET, algorithms: ['RS256'] }), /RS256/, 'throws naming the algorithm');
  });
  t.test('a JWKS verifier refuses an HS256 allowlist', async (t) => {
    t.throws(() => jwtVerifier({ jwksUrl: 'https://keys.example/jwks', algorithms: ['HS256'] }), /HS256/, 'throws naming the algorithm');
  });
  t.test('"none" is never an allowed algorithm', async (t) => {
    t.throws(() => jwtVerifier({ jwksUrl: 'https://keys.example/jwks', algorithms: ['none'] }), /none/, 'throws');
  });
  t.test('both a secret and a JWKS URL is ambiguous', async (t) => {
    t.throws(() => jwtVerifier({ secretKey: SECRET, jwksUrl: 'https://keys.example/jwks' }), /exactly one/, 'throws');
  });
  t.test('neither a secret nor a JWKS URL is refused', async (t) => {
    t.throws(() => jwtVerifier({}), /exactly one/, 'throws');
  });
  t.test('a JWKS URL that is not http(s) is refused', async (t) => {
    t.throws(() => jwtVerifier({ jwksUrl: 'file:///etc/jwks.json' }), /http\(s\)/, 'throws');
  });
});

t.test('parseAuthorizationHeader', async (t) => {
  const cases: Array<[string | undefined, string | null, string]> = [
    ['JWT abc.def.ghi', 'abc.def.ghi', 'the JWT scheme gives the token'],
    ['Bearer abc.def.ghi', 'abc.def.ghi', 'the Bearer scheme gives the token'],
    ['bearer abc.def.ghi', 'abc.def.ghi', 'a lower-case scheme is accepted'],
    ['jwt   abc.def.ghi  ', 'abc.def.ghi', 'extra spaces are tolerated'],
    ['Basic dXNlcjpwYXNz', null, 'another scheme gives nothing'],
    ['Bearer', null, 'a scheme without a token gives nothing'],
    ['Bearer a b', null, 'two tokens give nothing'],
    ['abc.def.ghi', null, 'a bare token without a scheme gives nothing'],
    ['garbage', null, 'garbage gives nothing'],
    ['', null, 'an empty header gives nothing'],
    [undefined, null, 'a missing header gives nothing'],
  ];
  for (const [header, expected, sentence] of cases) {
    t.equal(parseAuthorizationHeader(header), expected, sentence);
  }
});
