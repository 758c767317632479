import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuanceService, type IssuanceFixture } from './issuance-fixture.js';

/** Bulk issuing from a spreadsheet export: `text/csv`, and a multipart form with a `file` part. */
describe('CSV bulk issuance', () => {
  let f: IssuanceFixture;
  let credentialId: string;
  const bulkPath = () => `/api/credentials/orgs/acme/users/alice/${credentialId}/assertions/bulk/`;

  beforeAll(async () => {
    f = await startIssuanceService('pglite');
    credentialId = await f.credential(await f.issuer(), { name: 'CSV' });
  });
  afterAll(() => f?.svc.stop());

  async function rows() {
    return f.svc.service.runtime.db
      .selectFrom('assertions')
      .select(['recipient_user_id', 'recipient_name', 'fields', 'course'])
      .where('credential_id', '=', credentialId)
      .orderBy('recipient_user_id')
      .execute();
  }

  it('text/csv from a European spreadsheet: BOM, ";", quotes, an embedded newline, any-case header, custom fields', async () => {
    const csv =
      '\uFEFFUser_ID;EMAIL;Name;Grade\r\n' +
      'sam;;"Student; Sam ""S""";A\r\n' +
      '\r\n' +
      'csv1;csv1@example.org;"Two\r\nLines";B\r\n' +
      ';csv2@example.org;;\r\n';
    const r = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/?course=c-101`, {
      body: csv,
      headers: { 'content-type': 'text/csv; charset=utf-8' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect([...r.body.issued].sort()).toEqual(['csv1', 'csv2@example.org', 'sam']);
    expect(r.body.failed).toEqual([]);
    expect(await rows()).toEqual([
      { recipient_user_id: 'csv1', recipient_name: 'Two\nLines', fields: { grade: 'B' }, course: 'c-101' },
      { recipient_user_id: 'csv2@example.org', recipient_name: null, fields: {}, course: 'c-101' },
      { recipient_user_id: 'sam', recipient_name: 'Student; Sam "S"', fields: { grade: 'A' }, course: 'c-101' },
    ]);
  });

  it('multipart with a file part: the other fields are the award; issuing again skips', async () => {
    const form = new FormData();
    form.set('file', new Blob(['user_id,email\nsue,\ncsv1,csv1@example.org\n'], { type: 'text/csv' }), 'list.csv');
    form.set('narrative', 'From a form');
    const res = await fetch(f.svc.url + bulkPath(), {
      method: 'POST',
      headers: { authorization: `Bearer ${f.tokens.alice}` },
      body: form,
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ issued: ['sue'], skipped: ['csv1'], failed: [] });
    const sue = await f.svc.service.runtime.db
      .selectFrom('assertions')
      .select('narrative')
      .where('credential_id', '=', credentialId)
      .where('recipient_user_id', '=', 'sue')
      .executeTakeFirstOrThrow();
    expect(sue.narrative).toBe('From a form');
  });

  it('a bad row or a broken file is a 400 naming its line, and nothing is issued', async () => {
    const before = (await rows()).length;
    const post = (csv: string) =>
      f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, {
        body: csv,
        headers: { 'content-type': 'text/csv' },
      });
    const badRow = await post('user_id,email,name\nnew1,new1@example.org,N\n"new2","not an email",X\n,,Nobody\n');
    expect(badRow.status).toBe(400);
    expect(badRow.body.status.description).toBe('CSV line 3: not a valid email: "not an email"');
    expect(badRow.body.validationErrors).toEqual([
      'line 3: not a valid email: "not an email"',
      'line 4: a recipient needs a user_id or an email',
    ]);
    const ragged = await post('user_id,email\nnew1,a@b.org\nnew2,b@b.org,extra\n');
    expect(ragged.status).toBe(400);
    expect(ragged.body.status.description).toMatch(/^CSV line 3: Invalid Record Length/);
    const unclosed = await post('user_id,name\nnew1,"Open quote\nnew2,x\n');
    expect(unclosed.status).toBe(400);
    expect(unclosed.body.status.description).toMatch(/^CSV line \d+: Quote Not Closed/);
    const noHeader = await post('name,grade\nA,B\n');
    expect(noHeader.status).toBe(400);
    expect(noHeader.body.status.description).toMatch(/header must name a user_id or an email/);
    expect((await rows()).length).toBe(before);
  });

  it('more than 50,000 rows is 413; other types are still 415', async () => {
    const big = 'user_id\n' + Array.from({ length: 50_001 }, (_, i) => `u${i}`).join('\n') + '\n';
    const r = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, {
      body: big,
      headers: { 'content-type': 'text/csv' },
    });
    expect(r.status).toBe(413);
    expect(r.body.status.description).toBe('A CSV file may have at most 50000 rows.');
    const xml = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, {
      body: '<users/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(xml.status).toBe(415);
    expect(xml.body.status.description).toContain('text/csv');
  });
});
