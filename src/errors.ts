import { httpStatusOf } from './http/error-status.js';

/**
 * Typed errors raised by services and pure modules. Each carries a stable `code` (jose's `ERR_…`
 * style) that survives where a class does not (a job result in Redis, a worker thread's reply);
 * the HTTP layer maps codes to status codes in one table (src/http/error-handler.ts).
 */
export const ERROR_CODES = [
  'ERR_VALIDATION',
  'ERR_UNAUTHORIZED',
  'ERR_FORBIDDEN',
  'ERR_NOT_FOUND',
  'ERR_CONFLICT',
  'ERR_GONE',
  'ERR_PAYLOAD_TOO_LARGE',
  'ERR_UNSUPPORTED_MEDIA_TYPE',
  'ERR_UNPROCESSABLE',
  'ERR_TOO_MANY_REQUESTS',
  'ERR_INTERNAL',
  'ERR_KEY_DECRYPTION',
  'ERR_UNAVAILABLE',
  'ERR_QUEUE_UNAVAILABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes of a request refused as it stands: asking again, unchanged, cannot succeed now. */
const REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_VALIDATION',
  'ERR_UNAUTHORIZED',
  'ERR_FORBIDDEN',
  'ERR_NOT_FOUND',
  'ERR_CONFLICT',
  'ERR_GONE',
  'ERR_PAYLOAD_TOO_LARGE',
  'ERR_UNSUPPORTED_MEDIA_TYPE',
  'ERR_UNPROCESSABLE',
  'ERR_TOO_MANY_REQUESTS',
]);

export const isErrorCode = (value: unknown): value is ErrorCode => ERROR_CODES.includes(value as ErrorCode);

export interface AppErrorOptions {
  fieldErrors?: Record<string, string[]>;
  validationErrors?: string[];
  extra?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fieldErrors?: Record<string, string[]>;
  readonly validationErrors?: string[];
  readonly extra?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: AppErrorOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.fieldErrors = opts.fieldErrors;
    this.validationErrors = opts.validationErrors;
    this.extra = opts.extra;
  }

  /** The HTTP status the code maps to (src/http/error-status.ts); services branch on `code`. */
  get status(): number {
    return httpStatusOf(this.code);
  }
}

/**
 * The caller's request is at fault (bad input, no permission, unknown or gone, too much): a job
 * reports it as its result instead of failing, since retrying would not help. Faults (a database
 * or Redis error, anything untyped) are not refusals.
 */
export function isRefusal(err: unknown): err is AppError {
  return err instanceof AppError && REFUSALS.has(err.code);
}

export class ValidationError extends AppError {
  constructor(message: string, opts: { fieldErrors?: Record<string, string[]>; validationErrors?: string[] } = {}) {
    super('ERR_VALIDATION', message, opts);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication credentials were not provided or are invalid.') {
    super('ERR_UNAUTHORIZED', message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'You do not have permission to perform this action.') {
    super('ERR_FORBIDDEN', message);
  }
}
export class NotFoundError extends AppError {
  constructor(message = 'Not found.', extra?: Record<string, unknown>) {
    super('ERR_NOT_FOUND', message, { extra });
  }
}
export class ConflictError extends AppError {
  constructor(message: string) {
    super('ERR_CONFLICT', message);
  }
}
export class GoneError extends AppError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super('ERR_GONE', message, { extra });
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super('ERR_PAYLOAD_TOO_LARGE', message);
  }
}
export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super('ERR_UNSUPPORTED_MEDIA_TYPE', message);
  }
}
/** The request is well-formed but its content cannot be processed (an unreadable or hostile upload). */
export class UnprocessableEntityError extends AppError {
  constructor(message: string, opts: { fieldErrors?: Record<string, string[]> } = {}) {
    super('ERR_UNPROCESSABLE', message, opts);
  }
}
/** `retryAfterS` becomes the Retry-After header (seconds). */
export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterS?: number,
  ) {
    super('ERR_TOO_MANY_REQUESTS', message);
  }
}
/** Our own state is broken (a row that must exist does not); the message is safe to show. */
export class InternalError extends AppError {
  constructor(message: string) {
    super('ERR_INTERNAL', message);
  }
}
/** A dependency (database, Redis, browser) is not available right now; callers may retry (after `retryAfterS`). */
export class UnavailableError extends AppError {
  constructor(
    message: string,
    readonly retryAfterS?: number,
    code: 'ERR_UNAVAILABLE' | 'ERR_QUEUE_UNAVAILABLE' = 'ERR_UNAVAILABLE',
  ) {
    super(code, message);
  }
}
/** Redis, which carries the job queues, cannot be reached: the request failed fast instead of waiting for it. */
export class QueueUnavailableError extends UnavailableError {
  constructor(retryAfterS = 5) {
    super('The job queue (Redis) is not reachable right now; try again shortly.', retryAfterS, 'ERR_QUEUE_UNAVAILABLE');
  }
}
