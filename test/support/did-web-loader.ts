import { didWebUrl } from '../../src/issuers/did-document.js';
import { documentLoader, type DocumentLoader } from '../../src/signing/document-loader.js';

/** The fetch of the test process, also when a test stubs the global one (offline-verifier.ts). */
const realFetch = globalThis.fetch;

/**
 * A JSON-LD document loader that resolves did:web the way did:web says, but over http: the
 * service under test serves its DID documents without TLS. Everything else is the bundled contexts.
 */
export function didWebOverHttpLoader(): DocumentLoader {
  return documentLoader({
    didWeb: async (did) => {
      const url = new URL(didWebUrl(did));
      url.protocol = 'http:';
      const res = await realFetch(url);
      return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
    },
  });
}
