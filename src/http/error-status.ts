import type { ErrorCode } from '../errors.js';

/**
 * The one table from error codes to HTTP status codes: the error handler answers with it, the
 * jobs route shows a job's refusal with it, and AppError#status reads it.
 */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  ERR_VALIDATION: 400,
  ERR_UNAUTHORIZED: 401,
  ERR_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_GONE: 410,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_UNPROCESSABLE: 422,
  ERR_TOO_MANY_REQUESTS: 429,
  ERR_INTERNAL: 500,
  ERR_KEY_DECRYPTION: 500,
  ERR_UNAVAILABLE: 503,
  ERR_QUEUE_UNAVAILABLE: 503,
};

export const httpStatusOf = (code: ErrorCode): number => HTTP_STATUS[code] ?? 500;
