import type { PGlite } from '@electric-sql/pglite';

/**
 * Long text parameters sent to PGlite as their UTF-8 bytes (issue 18). PGlite's protocol writer
 * measures each string parameter's UTF-8 length in JavaScript, one character at a time, twice,
 * before encoding it: for a bulk's signed credentials (two strings of 2–4 KB per award) that was
 * ~1 s of the job thread in a 10,000-user bulk. A byte array parameter skips all of it: PGlite
 * sends it in the binary format, where text, varchar and json take the bytes as they are (the
 * server still checks they are valid UTF-8, as for the text format, NUL included). jsonb is left
 * alone: its binary format carries a version byte.
 */
const BINARY_AS_TEXT_OIDS = [25 /* text */, 1043 /* varchar */, 114 /* json */];

/** Below this many characters the JavaScript loop costs less than a Buffer. */
const LONG_STRING = 256;

type Serializer = (value: unknown) => unknown;

/** The serializers PGlite uses for these types, with long strings turned into bytes first. */
export function bytesForLongText(client: PGlite): Record<number, Serializer> {
  // PGlite's own (an instance field, not typed): kept for everything that is not a long string.
  const defaults = (client as unknown as { serializers?: Record<number, Serializer | undefined> }).serializers ?? {};
  const out: Record<number, Serializer> = {};
  for (const oid of BINARY_AS_TEXT_OIDS) {
    const fallback = defaults[oid] ?? ((v: unknown) => String(v));
    out[oid] = (v) => (typeof v === 'string' && v.length >= LONG_STRING ? Buffer.from(v, 'utf8') : fallback(v));
  }
  return out;
}

/**
 * What kysely-pglite-dialect calls on its client (`query`, `close`), passing our serializers on
 * every query.
 */
export function withBinaryLongText(client: PGlite): PGlite {
  const serializers = bytesForLongText(client);
  const facade = {
    query: (text: string, params?: unknown[]) => client.query(text, params, { serializers: serializers as never }),
    close: () => client.close(),
  };
  return facade as unknown as PGlite;
}
