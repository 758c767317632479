/**
 * Cost of the proofs of one award, in process (no database, no queue): VC-JWT alone, and the
 * Data Integrity proof (RDF canonicalization of the credential and proof options, Ed25519) plus
 * the VC-JWT over the proofed credential. Usage: npx tsx bench/issuance/proofs.ts [count]
 */
import { performance } from 'node:perf_hooks';
import { generateIssuerKeyPair } from '../../src/signing/issuer-key.js';
import { signCredentialJwt } from '../../src/signing/vc-jwt.js';
import { generateDataIntegrityKey, signDataIntegrity, verifyDataIntegrity } from '../../src/signing/data-integrity.js';
import { documentLoader } from '../../src/signing/document-loader.js';
import { didKeyFor, keyUnderDid } from '../../src/issuers/did-document.js';
import { buildOpenBadgeCredential } from '../../src/openbadges/ob3-credential.js';
import { credentialInput } from '../../test/unit/openbadges/credential-fixture.js';

const count = Number(process.argv[2] ?? 200);
const jwtPair = await generateIssuerKeyPair('ES256');
const jwtKey = { privateJwk: jwtPair.privateJwk, alg: jwtPair.alg, kid: 'https://badges.example.org/keys/1' };
const k = await generateDataIntegrityKey();
const did = didKeyFor(k.publicKeyMultibase);
const diKey = keyUnderDid(did, k);
const loader = documentLoader();
const credentials = Array.from({ length: count }, (_, i) => {
  const input = credentialInput({ id: `https://badges.example.org/a/${i}/credential.json` });
  return buildOpenBadgeCredential({ ...input, issuer: { ...input.issuer, id: did } });
});

async function time(label: string, fn: (i: number) => Promise<unknown>): Promise<number> {
  await fn(0); // warm up (context parsing, key import)
  const start = performance.now();
  for (let i = 0; i < count; i++) await fn(i);
  const ms = (performance.now() - start) / count;
  console.log(`${label.padEnd(34)} ${ms.toFixed(2)} ms/credential`);
  return ms;
}

const jwt = await time('VC-JWT only', (i) => signCredentialJwt(credentials[i], jwtKey));
const signed: object[] = [];
const both = await time('Data Integrity + VC-JWT', async (i) => {
  const proofed = await signDataIntegrity(credentials[i], diKey, loader);
  signed[i] = proofed;
  return signCredentialJwt(proofed, jwtKey);
});
await time('Data Integrity verify', (i) => verifyDataIntegrity(signed[i] ?? signed[1], loader));
console.log(`ratio both/JWT-only (sign, serial, one core): ${(both / jwt).toFixed(1)}x`);
