import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The event bodies the receiver parses (what the service sends). */
export interface EventJson {
  id: string;
  type: string;
  org: string;
  timestamp: string;
  data: { assertion_id?: string; [key: string]: unknown };
}

/** A webhook receiver for tests: every request is recorded; `behave` decides each answer by path. */
export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  json: EventJson | undefined;
  answered: number;
}

export interface Receiver {
  base: string;
  port: number;
  received: Received[];
  close(): Promise<void>;
}

export type Behaviour = (
  path: string,
  nth: number,
  json: EventJson | undefined,
) => { status: number; delayMs?: number; location?: string };

export async function startReceiver(behave: Behaviour): Promise<Receiver> {
  const received: Received[] = [];
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const nth = (counts.get(path) ?? 0) + 1;
      counts.set(path, nth);
      let json: EventJson | undefined;
      try {
        json = JSON.parse(body) as EventJson;
      } catch {
        json = undefined;
      }
      const b = behave(path, nth, json);
      const answer = () => {
        received.push({ path, headers: req.headers as Record<string, string>, body, json, answered: b.status });
        if (res.destroyed) return;
        res.writeHead(b.status, b.location ? { location: b.location } : {});
        res.end(`answer ${b.status} to ${path}`);
      };
      if (b.delayMs) setTimeout(answer, b.delayMs);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function waitUntil(check: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition') {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
