import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyOptions } from 'jose';
import { AuthenticationError, TokenVerificationUnavailable } from '../../application/ports/token-verifier.ts';
import type { AuthenticationFailure, Principal, TokenVerifier } from '../../application/ports/token-verifier.ts';

export interface JwtVerifierOptions {
  readonly secretKey?: string | undefined;
  readonly jwksUrl?: string | undefined;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
  readonly algorithms?: readonly string[] | undefined;
  readonly clockToleranceSeconds?: number | undefined;
  /**
   * JWT_MAX_TOKEN_AGE_SECONDS: a token issued (`iat`) longer ago, or still valid (`exp`) further ahead,
   * than this is refused — a token "expiring in 2100" is not a credential. Default 24 h.
   */
  readonly maxTokenAgeSeconds?: number | undefined;
}

const DEFAULT_MAX_TOKEN_AGE_SECONDS = 86_400;
// What reaches PostgreSQL as the user id: printable text of a column's size (a NUL was a 502).
const MAX_USER_ID_LENGTH = 255;
const CONTROL = /\p{Cc}/u;

const HMAC_ALGORITHM = /^HS(256|384|512)$/;
const JWKS_FETCH_TIMEOUT_MS = 5_000;
// After a fetch, an unknown `kid` does not refetch for this long, so forged kids cannot flood the JWKS host.
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;

/**
 * Verifies HS256 tokens with a shared secret, or asymmetric tokens with keys from a JWKS URL —
 * never both, and each only with its own algorithm family, so an HS token signed with a public
 * key (the HS/RS confusion attack) can never verify. `exp` is required.
 */
export function jwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const verifyOptions: JWTVerifyOptions = {
    algorithms: allowedAlgorithms(options),
    requiredClaims: ['exp'],
    clockTolerance: clockTolerance(options.clockToleranceSeconds),
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };
  const verifySignature = signatureCheck(options, verifyOptions);
  return {
    async verify(token: string): Promise<Principal> {
      let payload: JWTPayload;
      try {
        payload = await verifySignature(token);
      } catch (error) {
        throw translate(error);
      }
      checkTimes(payload, verifyOptions.clockTolerance as number, options.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS);
      const userId = userIdOf(payload);
      if (userId === null) throw new AuthenticationError('missing_user_id');
      // Only a JSON `true`: "true" or 1 from a sloppy issuer must not grant admin.
      return { userId, isAdmin: payload['administrator'] === true };
    },
  };
}

function signatureCheck(
  options: JwtVerifierOptions,
  verifyOptions: JWTVerifyOptions,
): (token: string) => Promise<JWTPayload> {
  if (options.secretKey) {
    const secret = new TextEncoder().encode(options.secretKey);
    return async (token) => (await jwtVerify(token, secret, verifyOptions)).payload;
  }
  const keys = createRemoteJWKSet(jwksUrl(options.jwksUrl ?? ''), {
    timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
    cooldownDuration: JWKS_COOLDOWN_MS,
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
  });
  return async (token) => (await jwtVerify(token, keys, verifyOptions)).payload;
}

/** Misconfiguration fails at start-up, not on the first request. */
function allowedAlgorithms(options: JwtVerifierOptions): string[] {
  const hasSecret = Boolean(options.secretKey);
  if (hasSecret === Boolean(options.jwksUrl)) {
    throw new Error('jwtVerifier needs exactly one of secretKey (JWT_SECRET_KEY) or jwksUrl (JWT_JWKS_URL).');
  }
  const algorithms = [...(options.algorithms ?? (hasSecret ? ['HS256'] : ['RS256', 'ES256']))];
  if (algorithms.length === 0) throw new Error('jwtVerifier needs at least one algorithm.');
  for (const algorithm of algorithms) {
    const isHmac = HMAC_ALGORITHM.test(algorithm);
    if (algorithm.toLowerCase() === 'none' || (hasSecret && !isHmac) || (!hasSecret && algorithm.startsWith('HS'))) {
      throw new Error(`jwtVerifier: algorithm ${algorithm} is not allowed with a ${hasSecret ? 'secret key' : 'JWKS'}.`);
    }
  }
  return algorithms;
}

function jwksUrl(value: string): URL {
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new Error('jwtVerifier: jwksUrl (JWT_JWKS_URL) must be an absolute http(s) URL.');
  }
  return url;
}

function clockTolerance(seconds: number | undefined): number {
  if (seconds === undefined) return 0;
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error('jwtVerifier: clockToleranceSeconds must be ≥ 0.');
  return seconds;
}

/** `user_id` (edX tokens carry the numeric LMS id there), else `sub`. A malformed user_id never falls back. */
function userIdOf(payload: JWTPayload): string | null {
  const claim = payload['user_id'];
  if (claim === undefined || claim === null) return nonBlank(payload.sub);
  if (typeof claim === 'number') return Number.isSafeInteger(claim) ? String(claim) : null;
  return nonBlank(claim);
}

function nonBlank(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  return value.length > MAX_USER_ID_LENGTH || CONTROL.test(value) ? null : value;
}

/** `iat` in the future, an `iat` older than the maximum age, or an `exp` beyond it: refused. */
function checkTimes(payload: JWTPayload, toleranceSeconds: number, maxAgeSeconds: number): void {
  const now = Math.floor(Date.now() / 1000);
  const { iat, exp } = payload;
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + toleranceSeconds)) throw new AuthenticationError('claim_invalid');
  if (typeof iat === 'number' && now - iat > maxAgeSeconds + toleranceSeconds) throw new AuthenticationError('expired');
  if (typeof exp === 'number' && exp - now > maxAgeSeconds + toleranceSeconds) throw new AuthenticationError('claim_invalid');
}

// jose errors can carry the claims set (`payload`); only a coarse reason leaves this file.
function translate(error: unknown): Error {
  if (!(error instanceof errors.JOSEError)) {
    return new TokenVerificationUnavailable('Token verification is unavailable.');
  }
  const unavailable = ['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC'];
  if (unavailable.includes(error.code)) return new TokenVerificationUnavailable(`Token keys unavailable (${error.code}).`);
  return new AuthenticationError(failureOf(error));
}

function failureOf(error: errors.JOSEError): AuthenticationFailure {
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf' ? 'not_yet_valid' : 'claim_invalid';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm_not_allowed';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature_invalid';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'key_not_found';
    default:
      return 'malformed';
  }
}
