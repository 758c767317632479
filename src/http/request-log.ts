import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

/**
 * Request ids and one JSON log line per request (method, URL, status, time; never headers, so no
 * token reaches the logs). Cheaper than a child logger per request: with logging off it costs a
 * UUID and a header.
 */
/** Claim links carry a bearer secret in their query (`?claim=`): logs keep that it was there, not its value. */
function loggedUrl(url: string): string {
  return url.replace(/([?&]claim=)[^&#]*/gi, '$1[redacted]');
}

export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    if (!logger.isLevelEnabled('info') || req.url === '/healthz' || req.url === '/metrics') return next();
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      logger[level](
        {
          reqId: id,
          method: req.method,
          url: loggedUrl(req.originalUrl),
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
        },
        'request',
      );
    });
    next();
  };
}
