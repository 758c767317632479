import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import {
  buildOb2Assertion,
  buildOb2BadgeClass,
  buildOb2Issuer,
  buildOb2RevokedAssertion,
} from '../../../src/openbadges/ob2-assertion.js';

const B = 'https://badges.example.org';

describe('OB 2.0 hosted objects', () => {
  it('builds a hosted assertion with a hashed, lower-cased email', () => {
    const a = buildOb2Assertion({
      id: `${B}/public/assertions/1`,
      badgeClassUrl: `${B}/public/badges/9`,
      recipient: { email: 'Bob@Example.org', salt: 'xyz' },
      issuedAt: new Date('2024-01-02T03:04:05.678Z'),
      narrative: 'did it',
    });
    expect(a).toEqual({
      '@context': 'https://w3id.org/openbadges/v2',
      type: 'Assertion',
      id: `${B}/public/assertions/1`,
      recipient: {
        type: 'email',
        hashed: true,
        salt: 'xyz',
        identity: 'sha256$' + createHash('sha256').update('bob@example.orgxyz').digest('hex'),
      },
      badge: `${B}/public/badges/9`,
      verification: { type: 'HostedBadge' },
      issuedOn: '2024-01-02T03:04:05Z',
      narrative: 'did it',
    });
    expect(a.recipient.identity).toMatch(/^sha256\$[0-9a-f]{64}$/);
  });

  it('builds BadgeClass and Issuer with the properties the validator requires', () => {
    const bc = buildOb2BadgeClass({
      id: `${B}/b/9`,
      issuerUrl: `${B}/i/1`,
      name: 'N',
      description: 'D',
      image: `${B}/b/9.png`,
      criteriaUrl: `${B}/c`,
      tags: ['t'],
    });
    expect(bc).toMatchObject({ type: 'BadgeClass', criteria: `${B}/c`, issuer: `${B}/i/1`, tags: ['t'] });
    expect(
      buildOb2BadgeClass({ ...bc, issuerUrl: bc.issuer, criteriaUrl: `${B}/c`, criteriaNarrative: 'do x' }).criteria,
    ).toEqual({ id: `${B}/c`, narrative: 'do x' });
    expect(buildOb2Issuer({ id: `${B}/i/1`, name: 'I', url: 'https://i.example', email: 'i@i.example' })).toMatchObject(
      { type: 'Issuer' },
    );
    expect(() => buildOb2Issuer({ id: 'urn:uuid:1', name: 'I', url: 'u', email: 'e' })).toThrow(ValidationError);
    expect(buildOb2RevokedAssertion(`${B}/a/1`, 'mistake')).toMatchObject({
      revoked: true,
      revocationReason: 'mistake',
    });
  });
});
