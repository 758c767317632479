import { describe, expect, it } from 'vitest';
import type { CredentialRow, IssuerRow } from '../../../src/db/catalog-repository.js';
import { publicUrls } from '../../../src/public-urls.js';
import { validateAchievementCredential } from '../../../src/openbadges/schema-validation.js';
import {
  absoluteUrl,
  achievementTypeOf,
  buildAchievementDocument,
  buildAwardCredential,
  expiryOf,
} from '../../../src/issuance/credential-document.js';
import { assertionObjectSchema, toAssertionObject } from '../../../src/issuance/assertion-format.js';
import type { AssertionSummary } from '../../../src/db/assertion-repository.js';

const urls = publicUrls('https://badges.example.org');
const now = new Date('2026-01-01T00:00:00Z');

const issuer: IssuerRow = {
  id: 'iss1',
  org: 'acme',
  name: 'Acme',
  description: 'We teach',
  icon_image: '/api/credentials/public/images/images/acme/logo.png',
  email: 'b@acme.org',
  url: 'https://acme.org',
  allowed_template_tags: null,
  signing_alg: 'ES256',
  did_method: 'web',
  proof_formats: ['data-integrity', 'vc-jwt'],
  retired_at: null,
  created_at: now,
  updated_at: now,
};
const credential: CredentialRow = {
  id: 'cred1',
  org: 'acme',
  issuer_id: 'iss1',
  name: 'Teamwork',
  description: 'Works well with others.',
  credential_type: 'Certificate of completion',
  html_template: null,
  css_template: null,
  icon_image: 'https://acme.org/teamwork.png',
  background_image: null,
  thumbnail_image: null,
  criteria_url: null,
  criteria_text: null,
  issuing_signal: null,
  course: null,
  program: null,
  is_public: true,
  validity_days: null,
  tags: ['team'],
  alignment: [{ targetName: 'Collaboration', targetUrl: 'https://fw.example.org/c1', targetCode: 'C1' }],
  skills: [{ name: 'Listening', url: 'https://esco.example.org/s1', framework: 'ESCO' }],
  template_version: 1,
  deleted_at: null,
  created_at: now,
  updated_at: now,
};

function award(overrides: Partial<Parameters<typeof buildAwardCredential>[3]> = {}) {
  return buildAwardCredential(urls, issuer, credential, {
    assertionId: 'a1',
    issuedOn: now,
    expiresAt: null,
    recipient: { userId: 'sam', email: 'Sam@Example.com' },
    salt: 'c0ffee',
    evidence: [{ url: 'https://example.org/work', narrative: 'Report' }],
    narrative: 'Did it.',
    status: { listUrl: urls.statusList('list1'), index: 42 },
    ...overrides,
  });
}

describe('award credential assembly', () => {
  it('builds a credential valid against both schema copies, with every id from the public URLs', () => {
    const vc = award();
    expect(validateAchievementCredential(vc).errors).toEqual([]);
    expect(vc.id).toBe(urls.credentialJson('a1'));
    expect(vc.issuer).toMatchObject({
      id: urls.issuerProfile('iss1'),
      image: { id: 'https://badges.example.org/api/credentials/public/images/images/acme/logo.png', type: 'Image' },
    });
    const achievement = vc.credentialSubject.achievement;
    expect(achievement).toMatchObject({
      id: urls.achievement('cred1'),
      achievementType: 'CertificateOfCompletion',
      tag: ['team'],
    });
    // No criteria given: the description stands in, as Achievement.criteria needs something.
    expect(achievement.criteria).toEqual({ narrative: 'Works well with others.' });
    expect(achievement.alignment).toHaveLength(2);
    expect(vc.credentialStatus).toEqual({
      id: `${urls.statusList('list1')}#42`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '42',
      statusListCredential: urls.statusList('list1'),
    });
    expect(vc.image).toEqual({ id: urls.assertionFile('a1', 'badge.png'), type: 'Image' });
  });

  it('a recipient without email has a subject id and no identifier, and still validates', () => {
    const vc = award({ recipient: { userId: 'sam' } });
    expect(vc.credentialSubject.identifier).toBeUndefined();
    expect(vc.credentialSubject.id).toMatch(/^urn:uuid:/);
    expect(validateAchievementCredential(vc).errors).toEqual([]);
  });

  it('serves the same Achievement stand-alone as embedded', () => {
    const { '@context': ctx, ...doc } = buildAchievementDocument(urls, issuer, credential);
    expect(ctx).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    ]);
    expect(doc).toEqual(award().credentialSubject.achievement);
  });

  it('helpers: achievement types, expiry, absolute URLs', () => {
    expect(achievementTypeOf('badge')).toBe('Badge');
    expect(achievementTypeOf('micro-credential')).toBe('MicroCredential');
    expect(achievementTypeOf('whatever')).toBeUndefined();
    expect(achievementTypeOf('ext:CodingBootcamp')).toBe('ext:CodingBootcamp');
    expect(achievementTypeOf('ext:has space')).toBeUndefined();
    expect(expiryOf(now, '2027-01-01T00:00:00.900Z', 30)?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(expiryOf(now, undefined, 30)?.toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(expiryOf(now, undefined, null)).toBeNull();
    expect(absoluteUrl('https://x.org', '/a.png')).toBe('https://x.org/a.png');
    expect(absoluteUrl('https://x.org', 'https://y.org/a.png')).toBe('https://y.org/a.png');
    expect(absoluteUrl('https://x.org', null)).toBeUndefined();
  });
});

describe('assertion format', () => {
  const row: AssertionSummary = {
    id: 'a1',
    org: 'acme',
    credential_id: 'cred1',
    issuer_id: 'iss1',
    recipient_user_id: 'sam',
    recipient_email: 'Sam@Example.com',
    recipient_name: 'Sam',
    salt: 'c0ffee',
    issued_on: now,
    expires_at: null,
    narrative: null,
    evidence: [{ url: 'https://e.org' }],
    course: 'C1',
    fields: { grade: 'A' },
    created_by: 'alice',
    job_id: 'j',
    status_list_id: 'l',
    status_list_index: 1,
    signing_key_id: 'k',
    revoked_at: null,
    revocation_reason: null,
    revoked_by: null,
    acceptance: 'Unaccepted',
    created_at: now,
  };

  it('the public view carries the hashed recipient only; the private one adds the address and award data', () => {
    const pub = toAssertionObject(row, urls, 'public');
    expect(pub.recipient).toEqual({
      type: 'email',
      identity: expect.stringMatching(/^sha256\$[0-9a-f]{64}$/),
      hashed: true,
      salt: 'c0ffee',
    });
    expect(JSON.stringify(pub)).not.toMatch(/example\.com/i);
    expect(pub).not.toHaveProperty('fields');
    expect(pub.evidence).toEqual([{ url: 'https://e.org', narrative: null }]);
    const priv = toAssertionObject(row, urls, 'private');
    expect(priv.recipient.plaintextIdentity).toBe('Sam@Example.com');
    expect(priv).toMatchObject({
      user_id: 'sam',
      course: { id: 'C1' },
      fields: { grade: 'A' },
      openBadgeId: urls.ob2Assertion('a1'),
    });
    expect(priv).toMatchObject({ metadata: { grade: 'A' }, program: { id: null }, acceptance: 'Unaccepted' });
    expect(pub.metadata).toEqual({});
    expect(assertionObjectSchema.safeParse(pub).success).toBe(true);
    expect(assertionObjectSchema.safeParse(priv).success).toBe(true);
  });

  it('a recipient without email is identified by the hashed user id', () => {
    const pub = toAssertionObject({ ...row, recipient_email: null }, urls, 'public');
    expect(pub.recipient.type).toBe('id');
  });
});
