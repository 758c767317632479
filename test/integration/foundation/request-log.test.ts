import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { requestLog } from '../../../src/http/request-log.js';

describe('request log', () => {
  it('writes one line per request with id, method, status and time, and never the bearer token or a claim token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const app = express();
    app.use(requestLog(pino({ level: 'info' }, sink)));
    app.get('/x', (_req, res) => {
      res.status(404).json({});
    });
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x?q=1&claim=claim.secret`, {
      headers: { authorization: 'Bearer bw_secret_token_value', 'x-request-id': 'abc-123' },
    });
    server.close();
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    await new Promise((r) => setTimeout(r, 20));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 40,
      reqId: 'abc-123',
      method: 'GET',
      url: '/x?q=1&claim=[redacted]',
      status: 404,
      msg: 'request',
    });
    expect(lines[0]).not.toContain('bw_secret_token_value');
    // A claim link's token is a bearer secret too.
    expect(lines[0]).not.toContain('claim.secret');
  });
});

describe('service logger', () => {
  it('redacts fields named like secrets, at the top level and one object down', async () => {
    const { createLogger } = await import('../../../src/logger.js');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger('info', sink);
    logger.info(
      {
        token: 's3cret-1',
        user: { password: 's3cret-2' },
        config: { adminToken: 's3cret-3', keyEncryptionKey: 's3cret-4' },
        org: 'acme',
      },
      'x',
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/s3cret/);
    expect(JSON.parse(lines[0])).toMatchObject({
      token: '[redacted]',
      org: 'acme',
      config: { adminToken: '[redacted]' },
    });
  });
});
