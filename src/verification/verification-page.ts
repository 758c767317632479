import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import type { AssertionRow } from '../db/assertion-repository.js';
import type { Signatory } from '../db/catalog-repository.js';
import type { PublicUrls } from '../public-urls.js';
import { stripBidiControls } from '../template/bidi-text.js';
import { TEMPLATES_DIR } from '../templates-dir.js';
import type { VerificationResult } from './credential-verifier.js';
import type { WalletSection } from './wallet-section.js';

/**
 * The public verification page of one assertion: a pure view model built from the verifier's
 * verdict on the stored signed credential (not from a database flag), rendered server-side by an
 * isolated Handlebars instance with HTML escaping on, and its own Content-Security-Policy.
 */

export type PageStatusKind = 'verified' | 'expired' | 'revoked' | 'pending' | 'invalid';

export interface PageStatus {
  kind: PageStatusKind;
  label: string;
  icon: string;
  detail: string;
  reason?: string;
}

/** Checks that say whether the document itself is genuine; the others say whether it still holds. */
const AUTHENTICITY = new Set(['format', 'signature', 'claims', 'integrity', 'issuer', 'schema']);

export function pageStatus(result: VerificationResult, revocationReason: string | null): PageStatus {
  const failed = result.checks.filter((c) => !c.ok);
  const forged = failed.filter((c) => AUTHENTICITY.has(c.check));
  if (result.verified)
    return {
      kind: 'verified',
      label: 'Verified',
      icon: '✓',
      detail: 'This credential is authentic, current and has not been revoked.',
    };
  if (forged.length) {
    return {
      kind: 'invalid',
      label: 'Not verified',
      icon: '✗',
      detail: `This credential could not be verified: ${forged.map((c) => c.detail).join(' ')}`,
    };
  }
  const revocation = failed.find((c) => c.check === 'revocation');
  if (revocation && /^(Revoked|Suspended)/.test(revocation.detail)) {
    return {
      kind: 'revoked',
      label: 'Revoked',
      icon: '✗',
      detail: 'The issuer has revoked this credential. It is no longer valid.',
      ...(revocationReason ? { reason: revocationReason } : {}),
    };
  }
  const validity = failed.find((c) => c.check === 'validity');
  if (validity && validity.detail.startsWith('Expired')) {
    return {
      kind: 'expired',
      label: 'Expired',
      icon: '!',
      detail: `This credential is authentic but has expired. ${validity.detail}`,
    };
  }
  if (validity && validity.detail.startsWith('Not yet valid')) {
    return { kind: 'pending', label: 'Not yet valid', icon: '!', detail: validity.detail };
  }
  return {
    kind: 'invalid',
    label: 'Not verified',
    icon: '✗',
    detail: `This credential could not be verified: ${failed.map((c) => c.detail).join(' ')}`,
  };
}

const longDate = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' });
const stamp = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });

/** LinkedIn's add-certification link (https://addtoprofile.linkedin.com), every field filled. */
export function linkedInAddUrl(input: {
  name: string;
  organization: string;
  issued: Date;
  expires?: Date;
  certUrl: string;
  certId: string;
}): string {
  const q = new URLSearchParams({
    startTask: 'CERTIFICATION_NAME',
    name: input.name,
    organizationName: input.organization,
    issueYear: String(input.issued.getUTCFullYear()),
    issueMonth: String(input.issued.getUTCMonth() + 1),
  });
  if (input.expires) {
    q.set('expirationYear', String(input.expires.getUTCFullYear()));
    q.set('expirationMonth', String(input.expires.getUTCMonth() + 1));
  }
  q.set('certUrl', input.certUrl);
  q.set('certId', input.certId);
  return `https://www.linkedin.com/profile/add?${q.toString()}`;
}

const rec = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);
const httpUrl = (v: unknown): string | undefined => {
  const s = str(v);
  return s && /^https?:\/\//i.test(s) ? s : undefined;
};
const imageUrl = (v: unknown): string | undefined => str(v) ?? str(rec(v).id);

export interface PageInput {
  assertion: AssertionRow;
  result: VerificationResult;
  signatories: Signatory[];
  urls: PublicUrls;
  now: Date;
}

export function verificationPageModel({ assertion: a, result, signatories, urls, now }: PageInput) {
  // What the page states comes from the signed credential; only the recipient's display name
  // (which the credential does not carry, for privacy) and the revocation reason come from the row.
  const credential = result.credential ?? a.credential_json;
  const subject = rec(
    Array.isArray(credential.credentialSubject) ? credential.credentialSubject[0] : credential.credentialSubject,
  );
  const achievement = rec(subject.achievement);
  const criteria = rec(achievement.criteria);
  const issuer = rec(credential.issuer);
  const issued = new Date(str(credential.validFrom) ?? a.issued_on);
  const expiresRaw = str(credential.validUntil) ?? (a.expires_at ? a.expires_at.toISOString() : undefined);
  const expires = expiresRaw ? new Date(expiresRaw) : undefined;
  // The page's CSP allows images of this service only: other URLs would just show broken.
  const ours = (u: string | undefined) =>
    u && (u.startsWith(urls.base + '/') || u.startsWith('data:image/')) ? u : undefined;
  const status = pageStatus(result, a.revocation_reason);
  const credentialName = str(achievement.name) ?? str(credential.name) ?? 'Credential';
  const issuerName = str(issuer.name) ?? 'Unknown issuer';
  const recipientName = a.recipient_name?.trim() || 'The recipient';
  const pageUrl = urls.verificationPage(a.id);
  const live = status.kind === 'verified' || status.kind === 'expired';
  // The baked badge is served only for live assertions; a revoked one shows the plain badge image.
  const badgeImage = live ? urls.assertionFile(a.id, 'badge.png') : ours(imageUrl(achievement.image));
  // Names are the issuer's and the recipient's text: in the body each sits in a <bdi>; in the title,
  // meta tags and alt texts (one line each, no markup) their bidi controls are removed.
  const plain = {
    credential: stripBidiControls(credentialName),
    issuer: stripBidiControls(issuerName),
    recipient: stripBidiControls(recipientName),
  };
  const ogDescription = `${status.label}: ${plain.credential}, issued by ${plain.issuer} to ${plain.recipient} on ${longDate.format(issued)}.`;
  return {
    assertionId: a.id,
    pageUrl,
    status,
    live,
    credentialName,
    description: str(achievement.description),
    criteria: { narrative: str(criteria.narrative), url: httpUrl(criteria.id) },
    recipientName,
    issuer: { name: issuerName, url: httpUrl(issuer.url), logo: ours(imageUrl(issuer.image)) },
    issuedOn: longDate.format(issued),
    issuedOnIso: issued.toISOString(),
    expires: expires ? longDate.format(expires) : undefined,
    expiresIso: expires?.toISOString(),
    signatories: signatories.map((s) => ({
      name: s.name,
      plainName: stripBidiControls(s.name),
      title: s.title,
      signature: ours(s.signature.startsWith('/') ? urls.base + s.signature : s.signature),
    })),
    badgeImage,
    downloads: {
      pdf: urls.assertionFile(a.id, 'certificate.pdf'),
      png: urls.assertionFile(a.id, 'certificate.png'),
      badge: urls.assertionFile(a.id, 'badge.png'),
    },
    links: {
      json: urls.credentialJson(a.id),
      jwt: urls.assertionFile(a.id, 'credential.jwt'),
      // OB 2.0 requires an issuer email: an issuer without one has no OB 2.0 documents to link.
      ob2: str(issuer.email) ? urls.ob2Assertion(a.id) : undefined,
    },
    linkedIn: linkedInAddUrl({
      name: plain.credential,
      organization: plain.issuer,
      issued,
      expires,
      certUrl: pageUrl,
      certId: a.id,
    }),
    meta: {
      title: `${status.label}: ${plain.credential} — ${plain.recipient}`,
      ogTitle: `${plain.credential} — ${plain.recipient}`,
      badgeAlt: `${plain.credential} badge`,
    },
    ogDescription,
    checks: result.checks,
    checkedAt: `${stamp.format(now)} UTC`,
  };
}

export type VerificationPageModel = ReturnType<typeof verificationPageModel>;

// One isolated instance: no helpers or partials shared with certificate templates.
const hb = Handlebars.create();
let compiled: { template: Handlebars.TemplateDelegate; css: string } | undefined;

function template() {
  compiled ??= {
    template: hb.compile(readFileSync(`${TEMPLATES_DIR}verification.html`, 'utf8'), {
      strict: false,
      noEscape: false,
      knownHelpers: { if: true, each: true, unless: true },
      knownHelpersOnly: true,
    }),
    css: readFileSync(`${TEMPLATES_DIR}verification.css`, 'utf8'),
  };
  return compiled;
}

export function renderVerificationPage(model: VerificationPageModel & { wallet?: WalletSection }): string {
  const { template: render, css } = template();
  return render({ ...model, css }, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
}

/** The page's own policy (helmet's default would block inline styles): no scripts at all. */
export function verificationPageCsp(base: string): string {
  return `default-src 'none'; img-src 'self' data: ${base}; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'`;
}
