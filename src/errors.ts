/**
 * Typed errors raised by services and pure modules. The HTTP layer maps them to status codes in
 * one place (src/http/error-handler.ts); nothing else decides a status code.
 */
export class AppError extends Error {
  readonly status: number;
  readonly fieldErrors?: Record<string, string[]>;
  readonly validationErrors?: string[];
  readonly extra?: Record<string, unknown>;

  constructor(
    status: number,
    message: string,
    opts: { fieldErrors?: Record<string, string[]>; validationErrors?: string[]; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.fieldErrors = opts.fieldErrors;
    this.validationErrors = opts.validationErrors;
    this.extra = opts.extra;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, opts: { fieldErrors?: Record<string, string[]>; validationErrors?: string[] } = {}) {
    super(400, message, opts);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication credentials were not provided or are invalid.') {
    super(401, message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'You do not have permission to perform this action.') {
    super(403, message);
  }
}
export class NotFoundError extends AppError {
  constructor(message = 'Not found.', extra?: Record<string, unknown>) {
    super(404, message, { extra });
  }
}
export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, message);
  }
}
export class GoneError extends AppError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super(410, message, { extra });
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(413, message);
  }
}
export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super(415, message);
  }
}
/** The request is well-formed but its content cannot be processed (an unreadable or hostile upload). */
export class UnprocessableEntityError extends AppError {
  constructor(message: string, opts: { fieldErrors?: Record<string, string[]> } = {}) {
    super(422, message, opts);
  }
}
/** `retryAfterS` becomes the Retry-After header (seconds). */
export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(429, message);
  }
}
/** A dependency (database, Redis, browser) is not available right now; callers may retry (after `retryAfterS`). */
export class UnavailableError extends AppError {
  constructor(
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(503, message);
  }
}
/** Redis, which carries the job queues, cannot be reached: the request failed fast instead of waiting for it. */
export class QueueUnavailableError extends UnavailableError {
  constructor(retryAfterS = 5) {
    super('The job queue (Redis) is not reachable right now; try again shortly.', retryAfterS);
  }
}
