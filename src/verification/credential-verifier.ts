import { decodeProtectedHeader, type JWK } from 'jose';
import { isDeepStrictEqual } from 'node:util';
import { validateAchievementCredential } from '../openbadges/schema-validation.js';
import { emailMatches, identityMatches } from '../openbadges/recipient-hash.js';
import {
  claimsMatchCredential,
  CredentialJwtError,
  decodeCredentialJwt,
  verifyCredentialJwt,
  type CredentialJwtHeader,
} from '../signing/vc-jwt.js';
import type { DocumentLoader } from '../signing/document-loader.js';
import { dataIntegrityCheck, hasDataIntegrityProof } from './data-integrity-check.js';

/**
 * The OB 3.0 verification algorithm as a pure function of its inputs: everything it needs to
 * look up (keys, issuers, status bits, our stored copy) is injected, so the verifier itself never
 * fetches a URL it was handed. Each check is reported on its own, so a tampered credential fails
 * the check that names the tampering.
 */
export type CheckName =
  'format' | 'signature' | 'claims' | 'integrity' | 'issuer' | 'schema' | 'validity' | 'revocation' | 'recipient';

export interface Check {
  check: CheckName;
  ok: boolean;
  detail: string;
  /** On `signature` checks: which proof was checked (a credential may carry both). */
  proof?: ProofKind;
}

export type ProofKind = 'vc-jwt' | 'data-integrity';

export interface VerificationResult {
  verified: boolean;
  checks: Check[];
  credential: Record<string, unknown> | null;
}

export interface KnownKey {
  jwk: JWK;
  /** The issuer profile URL the key belongs to. */
  issuerId: string;
  retiredAt: Date | null;
}

export interface KnownIssuer {
  name: string;
  retiredAt: Date | null;
  /** The profile URL its JWT keys name as their issuer, when the credential names it by its DID. */
  profileUrl?: string;
}

export interface VerifierDeps {
  /** A key published by this service, by its `kid` URL; undefined for any other kid. */
  resolveKey(kid: string): Promise<KnownKey | undefined>;
  /** An issuer hosted here, by its profile URL. */
  resolveIssuer(issuerId: string): Promise<KnownIssuer | undefined>;
  /** The status bit at `index` of a list hosted here (true = set); undefined for a list not ours. */
  resolveStatus(listUrl: string, index: number): Promise<boolean | undefined>;
  /** Resolves contexts and DIDs for embedded Data Integrity proofs; without it they are not checked. */
  loader?: DocumentLoader;
  now?: () => Date;
}

export interface VerifyOptions {
  /** An email (plain) or identity hash the recipient must match. */
  recipient?: string;
}

/** JWT registered claims are not part of the credential the schemas describe. */
const JWT_CLAIMS = ['iss', 'jti', 'sub', 'nbf', 'exp', 'iat', 'aud'];

export function credentialOf(payload: Record<string, unknown>): Record<string, unknown> {
  const vc = typeof payload.vc === 'object' && payload.vc !== null ? (payload.vc as Record<string, unknown>) : payload;
  return Object.fromEntries(Object.entries(vc).filter(([k]) => !JWT_CLAIMS.includes(k)));
}

const asDate = (v: unknown): Date | undefined =>
  typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : undefined;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Submitted credentials are untrusted JSON: every member may be of any type. */
const issuerIdOf = (issuer: unknown): string | undefined => {
  const id = isRecord(issuer) ? issuer.id : issuer;
  return typeof id === 'string' ? id : undefined;
};

function result(checks: Check[], credential: Record<string, unknown> | null): VerificationResult {
  return { verified: checks.length > 0 && checks.every((c) => c.ok), checks, credential };
}

export async function verifyJwtCredential(
  jwt: string,
  deps: VerifierDeps,
  opts: VerifyOptions = {},
): Promise<VerificationResult> {
  const token = jwt.trim();
  const checks: Check[] = [];
  let header: CredentialJwtHeader;
  try {
    header = decodeProtectedHeader(token) as CredentialJwtHeader;
    if (token.split('.').length !== 3) throw new Error('not compact');
  } catch {
    return result(
      [{ check: 'format', ok: false, detail: 'Not a compact JWT (three base64url parts separated by dots).' }],
      null,
    );
  }
  checks.push({ check: 'format', ok: true, detail: 'A compact JWT.' });

  // Signature and key first: a tampered payload may no longer even decode, and that is a
  // signature failure. Only keys this service publishes count; a foreign kid is never fetched.
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const key = kid ? await deps.resolveKey(kid) : undefined;
  if (!key) {
    checks.push({
      check: 'signature',
      proof: 'vc-jwt',
      ok: false,
      detail: kid
        ? `The signing key ${kid} is not published by this service; credentials from other issuers are not verified here.`
        : header.kid === undefined
          ? 'The JWT names no key (kid).'
          : 'The JWT key id (kid) is not a URL string.',
    });
  } else {
    try {
      await verifyCredentialJwt(token, key.jwk);
      checks.push({
        check: 'signature',
        proof: 'vc-jwt',
        ok: true,
        detail: `VC-JWT signed with ${header.alg} key ${kid}.`,
      });
    } catch (err) {
      const detail = err instanceof CredentialJwtError ? err.message : 'The signature could not be verified.';
      checks.push({ check: 'signature', proof: 'vc-jwt', ok: false, detail });
    }
  }

  let payload: Record<string, unknown>;
  try {
    payload = decodeCredentialJwt(token).payload;
  } catch {
    checks.push({ check: 'claims', ok: false, detail: 'The JWT payload is not a JSON credential.' });
    return result(checks, null);
  }
  const credential = credentialOf(payload);
  const claims = claimsMatchCredential(payload);
  checks.push({
    check: 'claims',
    ok: claims.ok,
    detail: claims.ok ? 'iss, jti, sub, nbf and exp agree with the credential.' : claims.mismatches.join('; '),
  });

  // The signed credential may carry its own Data Integrity proof (issuers with both formats): a
  // wallet would check that one, so it is checked and reported too.
  if (deps.loader && hasDataIntegrityProof(credential)) {
    // Reported beside the VC-JWT's signature check: the two proofs of one credential.
    const at = checks.findIndex((c) => c.check === 'signature');
    checks.splice(at + 1, 0, await dataIntegrityCheck(credential, deps.loader));
  }
  checks.push(...(await commonChecks(credential, key, deps, opts)));
  return result(checks, credential);
}

/** What this service stored for a credential id: the VC-JWT (absent for Data Integrity only issuers) and the JSON. */
export interface SignedCredential {
  jwt?: string;
  credential: Record<string, unknown>;
}

/**
 * A JSON credential is genuine here when it is exactly what we issued under its id, and its own
 * proofs check: the VC-JWT we stored, and any Data Integrity proof it carries. A credential that is
 * not ours is judged by its Data Integrity proof alone.
 */
export async function verifyJsonCredential(
  json: Record<string, unknown>,
  deps: VerifierDeps & { findSigned(credentialId: string): Promise<SignedCredential | undefined> },
  opts: VerifyOptions = {},
): Promise<VerificationResult> {
  // Compared as submitted: a `vc` wrapper or JWT claims around the credential are differences too.
  const submitted = json;
  const id = typeof submitted.id === 'string' ? submitted.id : undefined;
  const stored = id ? await deps.findSigned(id) : undefined;
  const hasProof = deps.loader !== undefined && hasDataIntegrityProof(json);
  const unknown: Check = {
    check: 'integrity',
    ok: false,
    detail: id ? `No credential with id ${id} was issued by this service.` : 'The credential has no id.',
  };
  if (!stored) {
    if (!hasProof) return result([unknown], submitted);
    const diCheck = await dataIntegrityCheck(json, deps.loader!);
    return result([unknown, diCheck, ...(await commonChecks(json, undefined, deps, opts))], json);
  }
  const signed = stored.jwt ? await verifyJwtCredential(stored.jwt, deps, opts) : undefined;
  const original = signed?.credential ?? stored.credential;
  const changed = [...new Set([...Object.keys(original), ...Object.keys(submitted)])].filter(
    (k) => !isDeepStrictEqual(original[k], submitted[k]),
  );
  const integrity: Check = changed.length
    ? {
        check: 'integrity',
        ok: false,
        detail: `The credential differs from the one that was signed in: ${changed.join(', ')}.`,
      }
    : { check: 'integrity', ok: true, detail: 'Identical to the signed credential.' };
  // An edited credential fails integrity; its other checks concern the signed original (whose
  // Data Integrity proof the VC-JWT path has checked already).
  if (signed) return result([integrity, ...signed.checks.filter((c) => c.check !== 'format')], submitted);
  const di = hasDataIntegrityProof(original) && deps.loader ? [await dataIntegrityCheck(original, deps.loader)] : [];
  const none: Check[] = di.length
    ? []
    : [{ check: 'signature', ok: false, detail: 'The credential carries no proof.' }];
  return result([integrity, ...di, ...none, ...(await commonChecks(original, undefined, deps, opts))], submitted);
}

async function commonChecks(
  credential: Record<string, unknown>,
  key: KnownKey | undefined,
  deps: VerifierDeps,
  opts: VerifyOptions,
): Promise<Check[]> {
  const checks: Check[] = [];
  const now = (deps.now ?? (() => new Date()))();
  const validFrom = asDate(credential.validFrom);
  const validUntil = asDate(credential.validUntil);

  // Issuer: hosted here, the key is its own, and neither was retired before the credential was issued.
  const issuerId = issuerIdOf(credential.issuer);
  const issuer = issuerId ? await deps.resolveIssuer(issuerId) : undefined;
  if (!issuer) {
    checks.push({
      check: 'issuer',
      ok: false,
      detail: issuerId ? `The issuer ${issuerId} is not hosted by this service.` : 'The credential names no issuer.',
    });
  } else if (key && key.issuerId !== (issuer.profileUrl ?? issuerId)) {
    checks.push({
      check: 'issuer',
      ok: false,
      detail: `The signing key belongs to ${key.issuerId}, not to the issuer ${issuerId}.`,
    });
  } else if (issuer.retiredAt && validFrom && issuer.retiredAt < validFrom) {
    checks.push({
      check: 'issuer',
      ok: false,
      detail: `The issuer was retired on ${issuer.retiredAt.toISOString()}, before this credential's issue date.`,
    });
  } else if (key?.retiredAt && validFrom && key.retiredAt < validFrom) {
    checks.push({
      check: 'issuer',
      ok: false,
      detail: `The signing key was retired on ${key.retiredAt.toISOString()}, before this credential's issue date.`,
    });
  } else {
    checks.push({ check: 'issuer', ok: true, detail: `Issued by ${issuer.name}.` });
  }

  const schema = validateAchievementCredential(credential);
  checks.push({
    check: 'schema',
    ok: schema.valid,
    detail: schema.valid
      ? 'Valid against the OB 3.0 AchievementCredential schemas (JSON and JSON-LD copies).'
      : schema.errors.slice(0, 5).join('; '),
  });

  if (!validFrom) checks.push({ check: 'validity', ok: false, detail: 'The credential has no valid validFrom.' });
  else if (validFrom > now)
    checks.push({ check: 'validity', ok: false, detail: `Not yet valid: valid from ${validFrom.toISOString()}.` });
  else if (validUntil && validUntil <= now)
    checks.push({ check: 'validity', ok: false, detail: `Expired on ${validUntil.toISOString()}.` });
  else
    checks.push({
      check: 'validity',
      ok: true,
      detail: validUntil ? `Valid until ${validUntil.toISOString()}.` : 'Valid, with no expiry.',
    });

  checks.push(await revocationCheck(credential, deps));
  if (opts.recipient !== undefined) checks.push(recipientCheck(credential, opts.recipient));
  return checks;
}

async function revocationCheck(credential: Record<string, unknown>, deps: VerifierDeps): Promise<Check> {
  const raw = credential.credentialStatus;
  const entries = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Record<string, unknown>[];
  if (entries.length === 0) return { check: 'revocation', ok: true, detail: 'The credential has no status entry.' };
  for (const e of entries) {
    if (!isRecord(e)) return { check: 'revocation', ok: false, detail: 'A credentialStatus entry is not an object.' };
    if (e.type !== 'BitstringStatusListEntry')
      return { check: 'revocation', ok: false, detail: `Unsupported status type ${String(e.type)}.` };
    const index = Number(e.statusListIndex);
    const listUrl = String(e.statusListCredential);
    if (!Number.isInteger(index) || index < 0)
      return { check: 'revocation', ok: false, detail: 'The status list index is not a whole number.' };
    const bit = await deps.resolveStatus(listUrl, index);
    if (bit === undefined)
      return { check: 'revocation', ok: false, detail: `The status list ${listUrl} is not hosted by this service.` };
    if (bit)
      return {
        check: 'revocation',
        ok: false,
        detail: `${e.statusPurpose === 'suspension' ? 'Suspended' : 'Revoked'} (status list bit ${index} is set).`,
      };
  }
  return { check: 'revocation', ok: true, detail: 'Not revoked.' };
}

export function recipientCheck(credential: Record<string, unknown>, recipient: string): Check {
  const raw = credential.credentialSubject;
  const subjects = (Array.isArray(raw) ? raw : [raw]).filter(isRecord);
  const given = recipient.trim();
  for (const s of subjects) {
    if (s.id === given) return { check: 'recipient', ok: true, detail: 'The recipient matches the subject id.' };
    const identifiers = (Array.isArray(s.identifier) ? s.identifier : [s.identifier]).filter(isRecord);
    for (const ident of identifiers) {
      if (typeof ident.identityHash !== 'string' || ident.identityHash === '') continue;
      const stored = ident.identityHash;
      const salt = typeof ident.salt === 'string' ? ident.salt : '';
      // A hash given by the verifier is compared as is; a plain identity is hashed with our salt.
      if (stored.toLowerCase() === given.toLowerCase())
        return { check: 'recipient', ok: true, detail: 'The identity hash matches.' };
      const matches =
        ident.identityType === 'emailAddress'
          ? emailMatches(stored, given, salt)
          : identityMatches(stored, given, salt);
      if (matches) return { check: 'recipient', ok: true, detail: `The ${String(ident.identityType)} matches.` };
    }
  }
  return { check: 'recipient', ok: false, detail: 'The given identity does not match the credential recipient.' };
}
