import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/embedded/redis-server.js';
import { runBadgeworks } from '../../support/child-service.js';
import { VERSION } from '../../../src/version.js';

/** What a new user types first: version, help, a typo, a port flag. None of it may print a stack. */
describe('the CLI for a new user', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bw-cli-usage-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const cli = async (...args: string[]) => {
    const c = runBadgeworks(args, { DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const code = await c.exited;
    return { code, out: c.output() };
  };
  const noStack = (out: string) => expect(out).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)|node:internal|ERR_PARSE_ARGS/);

  it('--version, help, help <command> and help <group> answer on stdout with exit 0', async () => {
    const [version, help, helpStart, helpToken, dashH] = await Promise.all([
      cli('--version'),
      cli('help'),
      cli('help', 'start'),
      cli('help', 'token'),
      cli('users', 'import', '--help'),
    ]);
    expect(version).toEqual({ code: 0, out: `badgeworks ${VERSION}\n` });
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: badgeworks <command>/);
    for (const c of ['start', 'org create', 'users import', 'token revoke', '--version']) expect(help.out).toContain(c);
    expect(helpStart).toMatchObject({ code: 0 });
    expect(helpStart.out).toMatch(/^Usage: badgeworks start \[--port N\]/);
    expect(helpToken.out).toContain('badgeworks token create');
    expect(helpToken.out).toContain('badgeworks token revoke');
    expect(dashH.code).toBe(0);
    expect(dashH.out).toMatch(/^Usage: badgeworks users import <org>/);
  }, 120_000);

  it('unknown options, unknown commands, a missing value and no command: one line, usage, exit 2', async () => {
    const results = await Promise.all([
      cli('--frobnicate'),
      cli('start', '--prot', '4000'),
      cli('frobnicate'),
      cli('help', 'frobnicate'),
      cli('token', 'destroy', 'x'),
      cli('start', '--port'),
      cli(),
    ]);
    const [opt, typo, cmd, helpUnknown, sub, missing, none] = results;
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/^badgeworks: .+\n\nUsage: badgeworks <command>/);
      noStack(r.out);
    }
    expect(opt.out).toMatch(/^badgeworks: unknown option --frobnicate\n/);
    expect(typo.out).toMatch(/^badgeworks: unknown option --prot\n/);
    expect(cmd.out).toMatch(/^badgeworks: unknown command "frobnicate"\n/);
    expect(helpUnknown.out).toMatch(/^badgeworks: unknown command "frobnicate"\n/);
    expect(sub.out).toMatch(/^badgeworks: unknown command "token destroy"\n/);
    expect(missing.out).toMatch(/^badgeworks: Option '--port <value>' argument missing/);
    expect(none.out).toMatch(/^badgeworks: no command given\n/);
  }, 120_000);

  it('start --port with a bad value is a one-line config error (exit 2)', async () => {
    const r = await cli('start', '--port', 'nope');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/^badgeworks: .*PORT/);
    noStack(r.out);
  }, 60_000);

  it('start --port listens there, and a first start says each phase and where the admin token went', async () => {
    const port = await freePort();
    const child = runBadgeworks(['start', '--port', String(port), '--host', '127.0.0.1'], {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    try {
      await child.waitFor(/badgeworks ready/, 90_000);
      const out = child.output();
      expect(out).toContain(`listening on http://127.0.0.1:${port}`);
      const phases = out.split('\n').filter((l) => l.startsWith('badgeworks: '));
      expect(phases.map((l) => l.replace(/\(.*\)|\d+/g, '…').replace(/browser: \S+/, 'browser: X'))).toEqual([
        'badgeworks: browser: X …',
        'badgeworks: starting Redis …',
        'badgeworks: Redis ready …',
        'badgeworks: opening the database …',
        'badgeworks: database ready: … migrations applied',
        'badgeworks: starting workers …',
      ]);
      const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
      expect(out).toContain(path.join(dataDir, 'admin-token'));
      expect(out).not.toContain(token);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      child.proc.kill('SIGTERM');
      await child.exited;
    }
  }, 120_000);
});
