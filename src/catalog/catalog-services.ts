import type { Runtime } from '../runtime.js';
import { credentialService, type CredentialService } from './credential-service.js';
import { templateChecker } from './credential-templates.js';
import { imageService, type ImageService } from './image-service.js';
import { issuerService, type IssuerService } from './issuer-service.js';
import { signatoryService, type SignatoryService } from './signatory-service.js';

/** The catalog services of one runtime, built once and shared by the catalog route modules. */
export interface CatalogServices {
  issuers: IssuerService;
  credentials: CredentialService;
  signatories: SignatoryService;
  images: ImageService;
}

const built = new WeakMap<Runtime, CatalogServices>();

export function catalogServices(rt: Runtime): CatalogServices {
  let s = built.get(rt);
  if (!s) {
    const checkTemplates = templateChecker(rt.config.publicBaseUrl);
    s = {
      issuers: issuerService({ db: rt.db, issuerKeys: rt.issuerKeys, checkTemplates }),
      credentials: credentialService({ db: rt.db, checkTemplates, requireOrg: (org) => rt.directory.requireOrg(org) }),
      signatories: signatoryService({ db: rt.db }),
      images: imageService({
        db: rt.db,
        files: rt.files,
        urls: rt.urls,
        logger: rt.logger,
        imageBudget: rt.config.imageBudget,
      }),
    };
    built.set(rt, s);
  }
  return s;
}
