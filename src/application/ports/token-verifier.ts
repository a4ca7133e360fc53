import { DomainError, UnavailableError } from '../../domain/errors.ts';

/** Who a verified token speaks for. */
export interface Principal {
  readonly userId: string;
  readonly isAdmin: boolean;
}

/** Turns a bearer token into a Principal, or throws AuthenticationError (→ 401). */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** Why a token was refused: for logs and metrics only, never for the response body. */
export type AuthenticationFailure =
  | 'malformed'
  | 'algorithm_not_allowed'
  | 'signature_invalid'
  | 'expired'
  | 'not_yet_valid'
  | 'claim_invalid'
  | 'key_not_found'
  | 'missing_user_id';

/** The token is missing or not acceptable. The message is fixed so nothing about the token leaks. */
export class AuthenticationError extends DomainError {
  constructor(readonly reason: AuthenticationFailure) {
    super('auth.invalid_token', 'Authentication credentials were not provided or are invalid.');
  }
}

/** The keys could not be fetched (JWKS down or malformed): not the caller's fault, so not a 401. */
export class TokenVerificationUnavailable extends UnavailableError {
  constructor(message: string) {
    super('auth.unavailable', message);
  }
}
