import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { buildOpenBadgeCredential } from '../../../src/openbadges/ob3-credential.js';
import { buildIssuerProfile } from '../../../src/openbadges/ob3-profile.js';
import { validateAchievementCredential, validateProfile } from '../../../src/openbadges/schema-validation.js';
import { BASE, credentialInput } from './credential-fixture.js';

describe('buildOpenBadgeCredential', () => {
  const cred = buildOpenBadgeCredential(credentialInput());

  it('validates against both schema copies and our policy rules', () => {
    const result = validateAchievementCredential(cred);
    expect(result.errors).toEqual([]);
    expect(result.byCopy.json.valid).toBe(true);
    expect(result.byCopy.jsonld.valid).toBe(true);
    expect(result.valid).toBe(true);
  });

  it('emits the contexts in order, array types and whole-second dates', () => {
    expect(cred['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
    ]);
    expect(cred.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(cred.validFrom).toBe('2024-06-01T12:00:00Z');
    expect(cred.validUntil).toBe('2030-06-01T12:00:00Z');
    expect(cred.issuer).toEqual({
      id: `${BASE}/api/issuers/42`,
      type: ['Profile'],
      name: 'Example Issuer',
      url: 'https://example.org',
      email: 'badges@example.org',
      image: { id: `${BASE}/api/issuers/42/logo.png`, type: 'Image' },
    });
    expect(cred.credentialSchema).toEqual([
      {
        id: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json',
        type: '1EdTechJsonSchemaValidator2019',
      },
    ]);
  });

  it('hashes the normalised email and uses the user uuid as subject id', () => {
    const subject = cred.credentialSubject;
    expect(subject.id).toBe('urn:uuid:5f0c2b1e-8d3a-4c2e-9b7a-1d2e3f4a5b6c');
    const hex = createHash('sha256').update('alice@example.comc0ffee').digest('hex');
    expect(subject.identifier).toEqual([
      {
        type: 'IdentityObject',
        identityType: 'emailAddress',
        hashed: true,
        identityHash: `sha256$${hex}`,
        salt: 'c0ffee',
      },
    ]);
    expect(JSON.stringify(cred)).not.toMatch(/alice@example\.com/i);
  });

  it('maps criteria, tags, alignments and skills onto the Achievement', () => {
    const a = cred.credentialSubject.achievement;
    expect(a.criteria).toEqual({ id: `${BASE}/badges/teamwork/criteria`, narrative: 'Nominated by peers.' });
    expect(a.tag).toEqual(['collaboration']);
    expect(a.alignment).toHaveLength(2);
    expect(a.alignment![1]).toMatchObject({
      targetName: 'Communication',
      targetType: 'ceasn:Competency',
      targetFramework: 'ESCO',
    });
  });

  it('has a single BitstringStatusListEntry with a string index', () => {
    expect(cred.credentialStatus).toEqual({
      id: `${BASE}/api/status/1#94567`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: `${BASE}/api/status/1`,
    });
  });

  it('puts a grantor in achievement.creator and still validates', () => {
    const withGrantor = buildOpenBadgeCredential(
      credentialInput({
        grantor: { id: `${BASE}/api/issuers/7`, name: 'Grantor Org', image: 'data:image/png;base64,iVBORw0KGgo=' },
      }),
    );
    expect(withGrantor.issuer.id).toBe(`${BASE}/api/issuers/42`);
    expect(withGrantor.credentialSubject.achievement.creator).toMatchObject({
      id: `${BASE}/api/issuers/7`,
      type: ['Profile'],
    });
    expect(validateAchievementCredential(withGrantor).errors).toEqual([]);
  });

  it('derives an opaque per-credential subject id for email-only recipients', () => {
    const a = buildOpenBadgeCredential(credentialInput({ recipient: { email: 'bob@example.org', salt: 's1' } }));
    const b = buildOpenBadgeCredential(credentialInput({ recipient: { email: 'bob@example.org', salt: 's2' } }));
    expect(a.credentialSubject.id).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(a.credentialSubject.id).not.toBe(b.credentialSubject.id);
    expect(validateAchievementCredential(a).valid).toBe(true);
  });

  it('salts the subject id of a named user: no guessable hash of the user id, no link between credentials', () => {
    const userId = 'bob@example.org';
    const a = buildOpenBadgeCredential(credentialInput({ recipient: { userId, salt: 's1' } }));
    const b = buildOpenBadgeCredential(credentialInput({ recipient: { userId, salt: 's2' } }));
    expect(a.credentialSubject.id).not.toBe(b.credentialSubject.id);
    const unsalted = createHash('sha256').update(`user:${userId}`).digest('hex').slice(0, 8);
    expect(a.credentialSubject.id).not.toContain(unsalted);
    expect(() => buildOpenBadgeCredential(credentialInput({ recipient: { userId } }))).toThrow(/salt/);
  });

  it('rejects inputs that cannot make a conformant credential', () => {
    const noCriteria = credentialInput();
    noCriteria.achievement = { ...noCriteria.achievement, criteriaUrl: undefined, criteriaNarrative: undefined };
    expect(() => buildOpenBadgeCredential(noCriteria)).toThrow(ValidationError);
    expect(() => buildOpenBadgeCredential(credentialInput({ recipient: { email: 'x@y.z' } }))).toThrow(/salt/);
    expect(() => buildOpenBadgeCredential(credentialInput({ recipient: {} }))).toThrow(ValidationError);
    expect(() => buildOpenBadgeCredential(credentialInput({ expiresAt: new Date('2020-01-01T00:00:00Z') }))).toThrow(
      /expiry/,
    );
  });
});

describe('validateAchievementCredential', () => {
  const cred = buildOpenBadgeCredential(credentialInput()) as unknown as Record<string, unknown>;

  it('fails without credentialSubject, in both copies', () => {
    const { credentialSubject: _, ...rest } = cred;
    const result = validateAchievementCredential(rest);
    expect(result.valid).toBe(false);
    expect(result.byCopy.json.valid).toBe(false);
    expect(result.byCopy.jsonld.valid).toBe(false);
    expect(result.errors.join('\n')).toMatch(/credentialSubject/);
  });

  it('fails with milliseconds in validFrom', () => {
    const result = validateAchievementCredential({ ...cred, validFrom: '2024-06-01T12:00:00.123Z' });
    expect(result.valid).toBe(false);
    expect(result.policy).toHaveLength(1);
    expect(result.policy[0]).toMatch(/validFrom/);
  });

  it('fails on a bare-string image, an array credentialStatus and a date without timezone', () => {
    expect(validateAchievementCredential({ ...cred, image: 'https://x/i.png' }).valid).toBe(false);
    expect(validateAchievementCredential({ ...cred, credentialStatus: [cred.credentialStatus] }).valid).toBe(false);
    expect(validateAchievementCredential({ ...cred, validFrom: '2024-06-01T12:00:00' }).valid).toBe(false);
  });

  it('only the strict json-ld copy rejects compacted single values', () => {
    const compacted = { ...cred, issuer: { ...(cred.issuer as object), type: 'Profile' } };
    const result = validateAchievementCredential(compacted);
    expect(result.byCopy.json.valid).toBe(true);
    expect(result.byCopy.jsonld.valid).toBe(false);
  });
});

describe('buildIssuerProfile', () => {
  it('is a Profile document valid against the profile schema', () => {
    const profile = buildIssuerProfile({
      id: `${BASE}/api/issuers/42`,
      name: 'Example',
      email: 'a@example.org',
      image: `${BASE}/logo.svg`,
    });
    expect(profile['@context'][1]).toBe('https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json');
    expect(profile.type).toEqual(['Profile']);
    expect(validateProfile(profile)).toEqual({ valid: true, errors: [] });
    expect(validateProfile({ ...profile, image: `${BASE}/logo.svg` }).valid).toBe(false);
  });
});
