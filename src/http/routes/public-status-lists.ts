import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import type { Runtime } from '../../runtime.js';
import { NotFoundError } from '../../errors.js';
import { STATUS_LIST_TTL_MS } from '../../issuance/status-lists.js';
import { id, pub, sendDocument } from './public-document-response.js';

const LIST = `public, max-age=${Math.floor(STATUS_LIST_TTL_MS / 1000)}`;
/** Status list forms by Accept, JWT first so that a wildcard Accept keeps the answer it always had. */
const STATUS_LIST_TYPES = ['application/vc+jwt', 'application/vc+ld+json', 'application/ld+json', 'application/json'];

/** The Bitstring Status Lists an assertion's `credentialStatus` points to. */
export function publicStatusListRoutes(rt: Runtime): RouteDef[] {
  const docs = rt.services.publicDocuments;
  return [
    defineRoute({
      method: 'get',
      path: `${pub}/status-lists/{list_id}`,
      summary: 'A Bitstring Status List credential (VC-JWT signed by the issuer), re-signed when a bit flips',
      tag: 'public',
      auth: 'public',
      params: z.object({ list_id: id }),
      responses: {
        200: { description: 'The signed status list', schema: z.string(), contentType: 'application/vc+jwt' },
        404: 'Unknown list',
      },
      async handler({ params, req, res }) {
        // Wallets ask for JSON and need the Data Integrity form; anything else gets the VC-JWT.
        res.vary('Accept');
        const wanted = req.accepts(STATUS_LIST_TYPES);
        if (wanted && wanted !== 'application/vc+jwt') {
          const di = await rt.services.statusLists.dataIntegrityList(params.list_id);
          if (!di) throw new NotFoundError(`Status list "${params.list_id}" does not exist.`);
          sendDocument(res, wanted === 'application/json' ? wanted : 'application/vc+ld+json', di, LIST);
          return;
        }
        sendDocument(res, 'application/vc+jwt', await docs.statusList(params.list_id), LIST);
      },
    }),
  ];
}
