import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { AppError, QueueUnavailableError } from '../errors.js';
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

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    // Redis gone: the client library failed fast (src/queue/queue-set.ts); the client may retry.
    if (isRedisConnectionError(err)) err = new QueueUnavailableError();
    if (err instanceof AppError) {
      // RFC 6750: a 401 names the scheme the client should authenticate with.
      if (err.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      const retryAfterS = (err as { retryAfterS?: unknown }).retryAfterS;
      if (typeof retryAfterS === 'number' && retryAfterS > 0) {
        res.setHeader('Retry-After', String(Math.ceil(retryAfterS)));
      }
      res.status(err.status).json({
        ...errorEnvelope(err.message, { fieldErrors: err.fieldErrors, validationErrors: err.validationErrors }),
        ...(err.extra ?? {}),
      });
      return;
    }
    const type = typeof err?.type === 'string' ? err.type : undefined;
    if (type && BODY_PARSER_MESSAGES[type]) {
      res.status(err.status ?? 400).json(errorEnvelope(BODY_PARSER_MESSAGES[type]));
      return;
    }
    if (err?.name === 'MulterError' && MULTER_STATUS[err.code]) {
      const [status, message] = MULTER_STATUS[err.code];
      res.status(status).json(errorEnvelope(message));
      return;
    }
    const status = Number(err?.status ?? err?.statusCode);
    if (status >= 400 && status < 500 && err?.expose !== false) {
      res.status(status).json(errorEnvelope(String(err.message || 'Bad request.')));
      return;
    }
    logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
    res.status(500).json(errorEnvelope('Internal server error.'));
  };
}
