/**
 * Base of every expected failure (a business rule, or a dependency that is down); `code` is stable and
 * mapped to an HTTP answer and a job's error_code in one table at the edge (src/adapters/error-table.ts).
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(code: string, message = 'Not found.') {
    super(code, message);
  }
}

export class ConflictError extends DomainError {}

/** A dependency (Stripe, enterprise-catalog, the signing keys, the database) failed: not the caller's doing. */
export class UnavailableError extends DomainError {}
