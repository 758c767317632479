import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';

describe('config', () => {
  it('has sane defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      publicBaseUrl: 'http://localhost:3000',
      logLevel: 'info',
      bodyLimit: '1mb',
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
  });

  it('platform JWTs: the JWKS over https (http on localhost only) and an issuer to require', () => {
    expect(() => loadConfig({ AUTH_JWKS_URL: 'https://lms.example/jwks.json' })).toThrow(/AUTH_JWT_ISSUER/);
    expect(() => loadConfig({ AUTH_JWKS_URL: 'http://lms.example/jwks.json', AUTH_JWT_ISSUER: 'x' })).toThrow(
      /AUTH_JWKS_URL.*https/,
    );
    expect(loadConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json', AUTH_JWT_ISSUER: 'x' }).auth.issuer).toBe('x');
  });

  it('takes an empty variable (PORT= in a compose file) as unset', () => {
    expect(loadConfig({ PORT: '', HOST: ' ', DATA_DIR: '' })).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      publicBaseUrl: 'http://localhost:3000',
    });
  });

  it('derives the public base URL from PORT and strips a trailing slash when given', () => {
    expect(loadConfig({ PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://badges.example.edu/' }).publicBaseUrl).toBe(
      'https://badges.example.edu',
    );
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['ADMIN_TOKEN', 'short'],
    ['CHROMIUM_PATH', '/no/such/chromium'],
    ['PUBLIC_BASE_URL', 'ftp://x'],
  ])('a bad %s=%s is one line naming the variable', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(new RegExp(`^Invalid ${name}=`));
    expect((err as Error).message).not.toContain('\n');
  });
});
