import { sql, type Kysely } from 'kysely';

/**
 * Status lists made before migration 017 get the issuer id their credentials name. It is read from
 * the credentials as they were signed, not from the issuer's settings now: a DID method or proof
 * format change since would otherwise give the list an issuer none of its credentials name, and
 * wallet verifiers require the two to match. A list whose credentials name more than one (settings
 * changed while it filled) takes the one most of them name. A list no credential points at stays
 * null: no reservation takes from it, and nothing reads it. The signed copies stored for a filled
 * list are dropped: they were signed under the issuer's settings of the day, and the list's bits
 * (its version) may never change again to replace them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update status_lists s
    set issuer_ref = named.ref, signed_jwt = null, signed_version = null, signed_di = null, signed_di_version = null
    from (
      select distinct on (a.status_list_id) a.status_list_id, a.credential_json->'issuer'->>'id' as ref
      from assertions a join status_lists l on l.id = a.status_list_id
      where l.issuer_ref is null and a.credential_json->'issuer'->>'id' is not null
      group by a.status_list_id, a.credential_json->'issuer'->>'id'
      order by a.status_list_id, count(*) desc, max(a.issued_on) desc
    ) named
    where s.id = named.status_list_id and s.issuer_ref is null`.execute(db);
}

/** Nothing to undo: 017's own down drops the column, and a filled ref is what a null one meant. */
export async function down(): Promise<void> {}
