/**
 * The bounds on what the verify endpoint reads from untrusted bytes. Every parser of an upload
 * stops at these, whatever the file claims, so one request costs at most a known amount of time
 * and memory. Pure: no I/O, so the upload worker threads load it cheaply.
 */

/** Largest upload read at all (the multipart limit answers 413 above it). */
export const MAX_VERIFY_FILE_BYTES = 5 * 1024 * 1024;

/** A VC-JWT of this service is a few KiB; even one with an embedded image stays far below this. */
export const MAX_JWT_CHARS = 200_000;

/** Baked JSON (an OB 3.0 credential with an embedded proof, or an OB 2.0 assertion). */
export const MAX_BAKED_TEXT_BYTES = 1024 * 1024;

/** JSON, whatever carries it (a body, a JWT payload, a baked credential), nests at most this deep. */
export const MAX_JSON_DEPTH = 64;

/** PNG: more chunks than any encoder writes for a 5 MiB image (libpng writes 8 KiB IDATs). */
/**
 * A Data Integrity proof is checked by JSON-LD expansion and RDF canonicalization on the event loop,
 * at ~7 µs per byte of credential (a 0.7 MB body held it for 3 s). Credentials this service issues
 * are ~2–10 KB; larger ones get a failed `signature` check instead of that work (≤ ~0.2 s here).
 */
export const MAX_DATA_INTEGRITY_CHARS = 32 * 1024;

export const MAX_PNG_CHUNKS = 20_000;

/** PDF: indirect objects indexed, container nesting, decoded bytes of object streams and the attachment. */
export const MAX_PDF_OBJECTS = 100_000;
export const MAX_PDF_NESTING = 100;
export const MAX_PDF_OBJECT_STREAM_BYTES = 16 * 1024 * 1024;
export const MAX_PDF_ATTACHMENT_BYTES = 1024 * 1024;

/** True when `value` nests deeper than `limit` arrays/objects (walked without recursion). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const item of Array.isArray(v) ? v : Object.values(v)) {
      if (item !== null && typeof item === 'object') stack.push([item, depth + 1]);
    }
  }
  return false;
}
