import { describe, expect, it } from 'vitest';
import { nameBasedUuid, toOrganizationObject } from '../../../src/authorizations/organization-object.js';

describe('Credly Organization object', () => {
  it('derives RFC 9562 version 5 UUIDs (the photo id)', () => {
    // The RFC's DNS namespace example.
    expect(nameBasedUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('shows the org profile, else its primary issuer, else nulls', () => {
    const base = { org: 'o', id: '4a98b6d0-17c2-41c6-b452-343f447fe31a', name: 'O', badge_template_count: 2 };
    const profile = toOrganizationObject(
      { ...base, url: 'https://o.example', photo_url: 'https://cdn.example/o.png', issuer: null },
      (i) => `https://x/${i}`,
    );
    expect(profile).toEqual({
      type: 'Organization',
      id: base.id,
      name: 'O',
      vanity_slug: 'o',
      url: 'https://o.example',
      photo: { id: nameBasedUuid(base.id, 'https://cdn.example/o.png'), url: 'https://cdn.example/o.png' },
      photo_url: 'https://cdn.example/o.png',
      badge_template_count: 2,
    });
    const fromIssuer = toOrganizationObject(
      { ...base, url: null, photo_url: null, issuer: { id: 'iss', url: null, icon_image: 'https://i/icon.png' } },
      (i) => `https://x/${i}`,
    );
    expect(fromIssuer).toMatchObject({ url: 'https://x/iss', photo_url: 'https://i/icon.png' });
    expect(toOrganizationObject({ ...base, url: null, photo_url: null, issuer: null }, () => 'never')).toMatchObject({
      url: null,
      photo: null,
      photo_url: null,
    });
  });
});
