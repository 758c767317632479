import { describe, expect, it } from 'vitest';
import { linkedInAddUrl, pageStatus } from '../../../src/verification/verification-page.js';
import { sniffFile } from '../../../src/verification/verification-service.js';
import type { Check, VerificationResult } from '../../../src/verification/credential-verifier.js';

const ok = (check: Check['check']): Check => ({ check, ok: true, detail: 'fine' });
const result = (...failed: Check[]): VerificationResult => {
  const names = failed.map((c) => c.check);
  const checks = (['format', 'signature', 'claims', 'issuer', 'schema', 'validity', 'revocation'] as const).map(
    (n) => failed.find((c) => c.check === n) ?? ok(n),
  );
  return { verified: names.length === 0, checks, credential: {} };
};

describe('verification page status', () => {
  it('is computed from the checks, authenticity first', () => {
    expect(pageStatus(result(), null).label).toBe('Verified');
    expect(
      pageStatus(
        result({ check: 'revocation', ok: false, detail: 'Revoked (status list bit 3 is set).' }),
        'Wrong person',
      ),
    ).toMatchObject({ kind: 'revoked', reason: 'Wrong person' });
    expect(
      pageStatus(result({ check: 'validity', ok: false, detail: 'Expired on 2020-01-01T00:00:00.000Z.' }), null).kind,
    ).toBe('expired');
    expect(
      pageStatus(result({ check: 'validity', ok: false, detail: 'Not yet valid: valid from 2999-01-01.' }), null).kind,
    ).toBe('pending');
    // A bad signature wins over a set revocation bit: the document itself is not to be trusted.
    const forged = pageStatus(
      result(
        { check: 'signature', ok: false, detail: 'Bad signature.' },
        { check: 'revocation', ok: false, detail: 'Revoked (bit).' },
      ),
      'x',
    );
    expect(forged).toMatchObject({ kind: 'invalid', label: 'Not verified' });
    expect(forged.detail).toContain('Bad signature.');
  });

  it('builds the LinkedIn add-certification URL', () => {
    const u = new URL(
      linkedInAddUrl({
        name: 'A & B',
        organization: 'Org',
        issued: new Date('2026-03-05T00:00:00Z'),
        expires: new Date('2028-12-01T00:00:00Z'),
        certUrl: 'https://x/v/1',
        certId: '1',
      }),
    );
    expect(Object.fromEntries(u.searchParams)).toEqual({
      startTask: 'CERTIFICATION_NAME',
      name: 'A & B',
      organizationName: 'Org',
      issueYear: '2026',
      issueMonth: '3',
      expirationYear: '2028',
      expirationMonth: '12',
      certUrl: 'https://x/v/1',
      certId: '1',
    });
  });

  it('sniffs uploads by their bytes', () => {
    expect(sniffFile(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('png');
    expect(sniffFile(Buffer.from('%PDF-1.7\n'))).toBe('pdf');
    expect(sniffFile(Buffer.from('\uFEFF  <?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe(
      'svg',
    );
    expect(sniffFile(Buffer.from('GIF89a'))).toBeUndefined();
    expect(sniffFile(Buffer.from('<html><body>svg</body></html>'))).toBeUndefined();
  });
});
