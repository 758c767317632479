import { OB3_CONTEXT, VC_V2_CONTEXT, type Image, type Profile } from './ob3-types.js';

export interface ProfileInput {
  /** The profile's public URL (or DID); in a credential it becomes the JWT `iss`. */
  id: string;
  name: string;
  url?: string;
  email?: string;
  phone?: string;
  description?: string;
  /** https or data: URI of a PNG/SVG. */
  image?: string;
}

export function toImage(uri: string, caption?: string): Image {
  return caption ? { id: uri, type: 'Image', caption } : { id: uri, type: 'Image' };
}

/** Profile as embedded in a credential (no `@context`: the credential's applies). */
export function buildProfile(input: ProfileInput): Profile {
  const profile: Profile = { id: input.id, type: ['Profile'], name: input.name };
  if (input.url) profile.url = input.url;
  if (input.email) profile.email = input.email;
  if (input.phone) profile.phone = input.phone;
  if (input.description) profile.description = input.description;
  if (input.image) profile.image = toImage(input.image);
  return profile;
}

export type IssuerProfileDocument = { '@context': string[] } & Profile;

/** Stand-alone Profile document, served at the issuer `id` URL. */
export function buildIssuerProfile(input: ProfileInput): IssuerProfileDocument {
  return { '@context': [VC_V2_CONTEXT, OB3_CONTEXT], ...buildProfile(input) };
}
