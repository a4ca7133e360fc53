import type { Got } from 'got';
import { CatalogSourceUnavailable } from '../../application/ports/catalog-source.ts';
import { describeFailure } from './catalog-http.ts';

export interface OAuthTokenOptions {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly now: () => number;
}

export interface TokenProvider {
  token(): Promise<string>;
  /** Forgets `token` if it is still the cached one (the API refused it). */
  invalidate(token: string): void;
}

// When the token endpoint omits expires_in, the token is reused for this long.
const DEFAULT_LIFETIME_SECONDS = 300;

/**
 * OAuth2 client-credentials tokens for enterprise-catalog (`token_type=jwt`, as
 * edx-rest-api-client asks). A token is reused until min(60 s, 10 % of its
 * lifetime) before it expires, so it never expires mid-sync; concurrent callers
 * share one token request.
 */
export function oauthTokenProvider(http: Got, options: OAuthTokenOptions): TokenProvider {
  const tokenPath = new URL(options.tokenUrl).pathname;
  let cached: { value: string; refreshAt: number } | null = null;
  let pending: Promise<string> | null = null;

  async function fetchToken(): Promise<string> {
    let body: unknown;
    try {
      body = await http
        .post(options.tokenUrl, {
          form: {
            grant_type: 'client_credentials',
            client_id: options.clientId,
            client_secret: options.clientSecret,
            token_type: 'jwt',
          },
        })
        .json<unknown>();
    } catch (error) {
      throw new CatalogSourceUnavailable(`enterprise-catalog token request POST ${tokenPath} failed: ${describeFailure(error)}`);
    }
    const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const accessToken = record['access_token'];
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new CatalogSourceUnavailable(`enterprise-catalog token response from ${tokenPath} has no access_token`);
    }
    const expiresIn = record['expires_in'];
    const lifetimeMs = 1000 * (typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_SECONDS);
    cached = { value: accessToken, refreshAt: options.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 10) };
    return accessToken;
  }

  return {
    token() {
      if (cached !== null && options.now() < cached.refreshAt) return Promise.resolve(cached.value);
      pending ??= fetchToken().finally(() => {
        pending = null;
      });
      return pending;
    },
    invalidate(token) {
      if (cached?.value === token) cached = null;
    },
  };
}
