import { createHash } from 'node:crypto';

/**
 * Credly's Organization object as the issuer authorization answers show it:
 * `{type, id, name, vanity_slug, url, photo, photo_url, badge_template_count}`. Pure.
 *
 * `url` and `photo_url` come from the org profile (`PUT /api/admin/orgs/{org}`); an org without
 * them shows its primary issuer's (the oldest live one: its website, else its public profile, and
 * its icon), so authorizations made before the profile existed still show something.
 */
export interface OrganizationFacts {
  org: string;
  id: string;
  name: string;
  url: string | null;
  photo_url: string | null;
  /** The org's primary issuer, if it has one. */
  issuer: { id: string; url: string | null; icon_image: string | null } | null;
  badge_template_count: number;
}

export interface OrganizationObject {
  type: 'Organization';
  id: string;
  name: string;
  vanity_slug: string;
  url: string | null;
  photo: { id: string; url: string } | null;
  photo_url: string | null;
  badge_template_count: number;
}

/**
 * A name-based (version 5, RFC 9562) UUID: the photo has no record of its own, so its id is derived
 * from the org's id and the picture's URL. It is stable, and changes when the picture does.
 */
export function nameBasedUuid(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function toOrganizationObject(
  f: OrganizationFacts,
  issuerProfileUrl: (issuerId: string) => string,
): OrganizationObject {
  const url = f.url ?? f.issuer?.url ?? (f.issuer ? issuerProfileUrl(f.issuer.id) : null);
  const photoUrl = f.photo_url ?? f.issuer?.icon_image ?? null;
  return {
    type: 'Organization',
    id: f.id,
    name: f.name,
    vanity_slug: f.org,
    url,
    photo: photoUrl ? { id: nameBasedUuid(f.id, photoUrl), url: photoUrl } : null,
    photo_url: photoUrl,
    badge_template_count: f.badge_template_count,
  };
}
