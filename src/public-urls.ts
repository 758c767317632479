/**
 * Every public URL the service hands out, in one place: credential ids, key ids and profile URLs
 * are part of signed documents, so they must never drift between modules.
 */
export function publicUrls(base: string) {
  const pub = `${base}/api/credentials/public`;
  return {
    base,
    /** The assertion: JSON for machines, the verification page for browsers. */
    assertion: (assertionId: string) => `${pub}/assertions/${assertionId}/`,
    assertionFile: (assertionId: string, file: string) => `${pub}/assertions/${assertionId}/${file}`,
    /** OB 3.0 credential id (JWT jti). */
    credentialJson: (assertionId: string) => `${pub}/assertions/${assertionId}/credential.json`,
    ob2Assertion: (assertionId: string) => `${pub}/assertions/${assertionId}/ob2`,
    /** Short link used by QR codes and share buttons. */
    verificationPage: (assertionId: string) => `${base}/v/${assertionId}`,
    issuerProfile: (issuerId: string) => `${pub}/issuers/${issuerId}`,
    ob2Issuer: (issuerId: string) => `${pub}/issuers/${issuerId}/ob2`,
    achievement: (credentialId: string) => `${pub}/credentials/${credentialId}`,
    ob2BadgeClass: (credentialId: string) => `${pub}/credentials/${credentialId}/ob2`,
    /** The JWT `kid`: answers with that one public JWK. */
    key: (keyId: string) => `${pub}/keys/${keyId}`,
    statusList: (listId: string) => `${pub}/status-lists/${listId}`,
    /** Prefix of stored images; templates may load only these. */
    imagesPrefix: `${pub}/images/`,
    image: (fileKey: string) => `${pub}/images/${fileKey}`,
    jwks: `${base}/.well-known/jwks.json`,
    /** Badge image of credentials without one of their own. */
    defaultBadge: `${pub}/default-badge.svg`,
  };
}

export type PublicUrls = ReturnType<typeof publicUrls>;
