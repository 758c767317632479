import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * The key that seals issuers' private keys at rest: KEY_ENCRYPTION_KEY, or for the all-in-one a
 * key generated once into DATA_DIR (mode 600). Split deployments must set the variable, so the
 * API and every worker share it.
 */
export function loadOrCreateMasterKey(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'key-encryption-key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const key = randomBytes(32).toString('hex');
    writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return key;
  }
}
