import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** The only JWT algorithms the 1EdTech validator accepts (RS256 is the OB minimum). */
export type SigningAlg = 'ES256' | 'RS256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256'];

export interface IssuerKeyPair {
  alg: SigningAlg;
  publicJwk: JWK;
  privateJwk: JWK;
}

/** New signing key pair; `kid` is set by the caller because it is the key's public URL. */
export async function generateIssuerKeyPair(alg: SigningAlg): Promise<IssuerKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const [publicJwk, privateJwk] = await Promise.all([exportJWK(publicKey), exportJWK(privateKey)]);
  return { alg, publicJwk: { ...publicJwk, alg }, privateJwk: { ...privateJwk, alg } };
}
