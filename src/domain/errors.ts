/** Base of every business-rule failure; `code` is stable and mapped to HTTP in one table at the edge. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(code: string, message = 'Not found.') {
    super(code, message);
  }
}

export class ConflictError extends DomainError {}
