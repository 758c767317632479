import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DirectoryService } from './directory-service.js';
import { MAIN_ORG } from '../auth/permissions.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../config.js';

/**
 * First start on an empty database: the main org, its platform admin `admin`, and a token for
 * it (ADMIN_TOKEN when given, else generated, written to DATA_DIR/admin-token with mode 600).
 */
export interface BootstrapResult {
  created: boolean;
  /** Only when a token was generated now: where it was written (the token itself is never printed). */
  tokenFile?: string;
}

/**
 * The admin token on a database another process is bootstrapping right now: its org may be
 * committed before its admin user is (replicas starting together), so a missing user is waited
 * for a few seconds, and a token that process created meanwhile counts.
 */
async function createAdminToken(directory: DirectoryService, adminToken: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await directory.createToken('system', MAIN_ORG, 'admin', adminToken);
      return;
    } catch (err) {
      if (!(err instanceof NotFoundError) || attempt >= 50) throw err;
      await sleep(100);
      if (await directory.authenticateToken(adminToken)) return;
    }
  }
}

export async function bootstrapDirectory(
  directory: DirectoryService,
  opts: { dataDir: string; adminToken?: string },
): Promise<BootstrapResult> {
  if (await directory.getOrg(MAIN_ORG)) {
    if (opts.adminToken && !(await directory.authenticateToken(opts.adminToken))) {
      // ADMIN_TOKEN set on a later start (e.g. after the generated one was lost) is honoured too,
      // unless it is a token that was revoked: that stays revoked.
      try {
        await createAdminToken(directory, opts.adminToken);
      } catch (err) {
        if ((err as { code?: string }).code !== '23505') throw err;
        // Another process (a worker starting beside this api) created it a moment ago.
        if (await directory.authenticateToken(opts.adminToken)) return { created: false };
        throw new ConfigError(
          'Invalid ADMIN_TOKEN: this token was revoked; set a new value, or unset ADMIN_TOKEN and use an existing token.',
        );
      }
    }
    return { created: false };
  }
  try {
    await directory.createOrg('system', { org: MAIN_ORG, name: 'Main' });
  } catch (err) {
    if (err instanceof ConflictError) return { created: false }; // another replica won the race
    throw err;
  }
  await directory.upsertUser('system', MAIN_ORG, { user_id: 'admin', role: 'platform_admin', name: 'Administrator' });
  if (opts.adminToken) {
    await createAdminToken(directory, opts.adminToken).catch(async (err: unknown) => {
      // A replica that lost the org race may have created this same token a moment ago.
      if ((err as { code?: string }).code !== '23505' || !(await directory.authenticateToken(opts.adminToken!)))
        throw err;
    });
    return { created: true };
  }
  const { token } = await directory.createToken('system', MAIN_ORG, 'admin');
  mkdirSync(opts.dataDir, { recursive: true });
  const tokenFile = path.join(opts.dataDir, 'admin-token');
  writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
  chmodSync(tokenFile, 0o600);
  return { created: true, tokenFile };
}
