import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * The API's shutdown state. Draining: /readyz answers 503 so load balancers stop sending, requests
 * still arriving are served, and every response closes its connection — those in flight when the
 * drain began too — so no keep-alive client is left holding a socket that the closing server
 * would cut under its next request.
 */
export interface DrainState {
  readonly draining: boolean;
  begin(): void;
  /** Middleware: marks responses for closing while draining, and tracks those in flight. */
  middleware: RequestHandler;
}

export function drainState(): DrainState {
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  const closeAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  return {
    get draining() {
      return draining;
    },
    begin() {
      draining = true;
      for (const res of inFlight) closeAfter(res);
    },
    middleware(_req, res, next) {
      if (draining) closeAfter(res);
      else {
        inFlight.add(res);
        res.once('close', () => inFlight.delete(res));
      }
      next();
    },
  };
}
