import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';

describe('WALLET_MAX_COPIES', () => {
  it('is 3 by default, takes a whole number from 1, and refuses anything else at start', () => {
    expect(loadConfig({}).wallet.maxClaimCopies).toBe(3);
    expect(loadConfig({ WALLET_MAX_COPIES: '1' }).wallet.maxClaimCopies).toBe(1);
    expect(loadConfig({ WALLET_MAX_COPIES: '12' }).wallet.maxClaimCopies).toBe(12);
    for (const bad of ['0', '-1', '2.5', 'many', '1001']) {
      expect(() => loadConfig({ WALLET_MAX_COPIES: bad }), bad).toThrow(/WALLET_MAX_COPIES/);
    }
  });
});
