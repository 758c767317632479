import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import { AppError, QueueUnavailableError } from '../errors.js';
import { httpStatusOf } from './error-status.js';
import { isRedisConnectionError } from '../queue/redis-errors.js';
import { errorEnvelope } from './envelope.js';

/** The one place where errors become HTTP responses. A 500 never carries a stack or internals. */
const BODY_PARSER_MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'Malformed JSON in request body.',
  'entity.too.large': 'Request body is too large.',
  'encoding.unsupported': 'Unsupported content encoding.',
  'charset.unsupported': 'Unsupported charset.',
  'request.aborted': 'Request was aborted.',
  'entity.verify.failed': 'Request body could not be verified.',
  'parameters.too.many': 'Too many form fields.',
};

const MULTER_STATUS: Record<string, [number, string]> = {
  LIMIT_FILE_SIZE: [413, 'Uploaded file is too large.'],
  LIMIT_FIELD_VALUE: [413, 'A form field is too large.'],
  LIMIT_FILE_COUNT: [400, 'Too many files.'],
  LIMIT_UNEXPECTED_FILE: [400, 'Unexpected file field.'],
  LIMIT_PART_COUNT: [400, 'Too many form parts.'],
};

export function notFoundHandler(): RequestHandler {
  return (req, res) => {
    res.status(404).json(errorEnvelope(`No route for ${req.method} ${req.path}.`));
  };
}

interface ErrorDetails {
  fieldErrors?: Record<string, string[]>;
  validationErrors?: string[];
  extra?: Record<string, unknown>;
}

/**
 * The body of an error in the shape the route declared (RouteDef.errorShape, marked on
 * res.locals): the credentials API's envelope, or Credly's `{"data": {"message": …}}` (with the
 * field errors beside the message when there are some).
 */
function sendError(res: Response, status: number, message: string, d: ErrorDetails = {}): void {
  if (res.locals.errorShape === 'credly') {
    const fieldErrors = d.fieldErrors && Object.keys(d.fieldErrors).length ? { fieldErrors: d.fieldErrors } : {};
    res.status(status).json({ data: { message, ...fieldErrors, ...(d.extra ?? {}) } });
    return;
  }
  res.status(status).json({
    ...errorEnvelope(message, { fieldErrors: d.fieldErrors, validationErrors: d.validationErrors }),
    ...(d.extra ?? {}),
  });
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    // Redis gone: the client library failed fast (src/queue/queue-set.ts); the client may retry.
    if (isRedisConnectionError(err)) err = new QueueUnavailableError();
    if (err instanceof AppError) {
      const status = httpStatusOf(err.code);
      // RFC 6750: a 401 names the scheme the client should authenticate with.
      if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      const retryAfterS = (err as { retryAfterS?: unknown }).retryAfterS;
      if (typeof retryAfterS === 'number' && retryAfterS > 0) {
        res.setHeader('Retry-After', String(Math.ceil(retryAfterS)));
      }
      sendError(res, status, err.message, err);
      return;
    }
    const type = typeof err?.type === 'string' ? err.type : undefined;
    if (type && BODY_PARSER_MESSAGES[type]) {
      sendError(res, err.status ?? 400, BODY_PARSER_MESSAGES[type]);
      return;
    }
    if (err?.name === 'MulterError' && MULTER_STATUS[err.code]) {
      const [status, message] = MULTER_STATUS[err.code];
      sendError(res, status, message);
      return;
    }
    const status = Number(err?.status ?? err?.statusCode);
    if (status >= 400 && status < 500 && err?.expose !== false) {
      sendError(res, status, String(err.message || 'Bad request.'));
      return;
    }
    logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
    sendError(res, 500, 'Internal server error.');
  };
}
