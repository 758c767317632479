import type { Notifier } from './events/notifier.js';
import type { InvalidationBus } from './cache/invalidation-bus.js';
import { webhookService } from './webhooks/webhook-service.js';
import { addressPolicy } from './webhooks/address-policy.js';
import { mailSettingsService } from './mail/mail-settings-service.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Db } from './db/database.js';
import type { QueueSet } from './queue/queue-set.js';
import type { PublicUrls } from './public-urls.js';
import type { FileStore } from './storage/file-store.js';
import type { Repositories } from './db/repositories.js';
import { directoryService } from './directory/directory-service.js';
import { loadOrCreateMasterKey } from './issuers/master-key.js';
import { hkdfSync } from 'node:crypto';
import { parseMasterKey } from './signing/key-encryption.js';
import { issuerKeyService } from './issuers/issuer-keys.js';
import { templateChecker } from './catalog/credential-templates.js';
import { issuerService } from './catalog/issuer-service.js';
import { credentialService } from './catalog/credential-service.js';
import { signatoryService } from './catalog/signatory-service.js';
import { imageService } from './catalog/image-service.js';
import { statusListService } from './issuance/status-lists.js';
import { assertionService } from './issuance/assertion-service.js';
import { issuanceService } from './issuance/issuance-service.js';
import { issueRequests } from './issuance/issue-requests.js';
import { signalService } from './issuance/signals.js';
import { publicDocuments } from './issuance/public-documents.js';
import { verificationService } from './verification/verification-service.js';
import { analyticsService } from './analytics/analytics-service.js';
import { assignmentService } from './assignments/assignment-service.js';
import { authorizationService } from './authorizations/authorization-service.js';
import { renderedDownloads } from './rendering/rendered-downloads.js';
import { claimLinkSigner } from './exchanges/claim-links.js';
import { claimAnswers } from './exchanges/claim-answers.js';
import { exchangeService } from './exchanges/exchange-service.js';
import { didWebFetcher } from './exchanges/did-web-fetch.js';
import { dataIntegrityPool } from './signing/data-integrity-pool.js';
import { createUploadInspector } from './verification/upload-inspector.js';

/** What the services are built on: the infrastructure of one process. */
export interface ServiceInfra {
  config: Config;
  logger: Logger;
  db: Db;
  queues: QueueSet;
  urls: PublicUrls;
  files: FileStore;
  repos: Repositories;
  /** records events (issue 16) in the transactions that cause them */
  notifier?: Notifier;
  /** Cross-replica drops of cached public answers (a process-local bus when absent). */
  invalidation?: InvalidationBus;
}

/**
 * The composition root: every service of a process, built once, each from a deps object naming
 * what it uses. Routes and job processors take theirs from here and build none of their own, so
 * a service's caches (signing keys, SVG sanitizer thread) are one per process. Its worker threads
 * (bulk signing, upload inspection, SVG sanitizing) end with `close()`. The render service is not
 * here: it belongs to the render worker, which owns the Chromium it draws with.
 */
export function createServices(infra: ServiceInfra) {
  const { config, logger, db, queues, urls, files, repos, notifier, invalidation } = infra;
  const { analyticsRepo, assertionRepo, assignmentRepo, authorizationRepo, catalogRepo, directoryRepo } = repos;
  const { idempotencyRepo, recipientRepo, renderRepo, statusListRepo, webhookRepo, eventRepo, mailRepo } = repos;
  const { walletExchangeRepo } = repos;
  const directory = directoryService({ directoryRepo });
  const masterKey = loadOrCreateMasterKey(config.keyEncryptionKey, config.dataDir);
  const issuerKeys = issuerKeyService({ db, masterKey, urls });
  const statusLists = statusListService({ statusListRepo, urls, issuerKeys });
  const signingPool = dataIntegrityPool();
  const uploads = createUploadInspector();
  const checkTemplates = templateChecker(config.publicBaseUrl);
  const requests = issueRequests({ db, assertionRepo, idempotencyRepo, queues, urls, config });
  const assertions = assertionService({
    db,
    assertionRepo,
    authorizationRepo,
    catalogRepo,
    recipientRepo,
    statusLists,
    logger,
    urls,
    notifier,
  });
  const claimLinks = claimLinkSigner(masterKey, config.wallet.claimTtlMs);
  // Signs the queue dashboard's session cookies alike in every replica (src/http/queue-dashboard.ts).
  const dashboardSessionKey = Buffer.from(
    hkdfSync('sha256', parseMasterKey(masterKey), 'badgeworks', 'queue-dashboard-sessions/v1', 32),
  );
  const images = imageService({ catalogRepo, files, urls, logger, imageBudget: config.imageBudget });
  return {
    directory,
    issuerKeys,
    statusLists,
    issuers: issuerService({ db, catalogRepo, issuerKeys, checkTemplates }),
    credentials: credentialService({ catalogRepo, checkTemplates, requireOrg: (org) => directory.requireOrg(org) }),
    signatories: signatoryService({ catalogRepo }),
    images,
    assertions,
    issuance: issuanceService({
      db,
      assertionRepo,
      idempotencyRepo,
      urls,
      issuerKeys,
      statusLists,
      signingPool,
      queues,
      logger,
      notifier,
    }),
    issueRequests: requests,
    signals: signalService({ db, issueRequests: requests }),
    publicDocuments: publicDocuments({ db, assertionRepo, catalogRepo, urls, issuerKeys, statusLists }),
    webhooks: webhookService({
      webhookRepo,
      eventRepo,
      queues,
      config: config.notify,
      policy: addressPolicy(config.notify.webhooks.allowedAddresses),
    }),
    mailSettings: mailSettingsService({
      mailRepo,
      assertionRepo,
      publicBaseUrl: config.publicBaseUrl,
      mailEnabled: config.notify.mail !== undefined,
    }),
    verification: verificationService({
      db,
      assertionRepo,
      catalogRepo,
      statusListRepo,
      walletExchangeRepo,
      urls,
      issuerKeys,
      invalidation,
      uploads,
      cacheTtlMs: config.publicCacheMs,
    }),
    analytics: analyticsService({ analyticsRepo, directory }),
    assignments: assignmentService({ assignmentRepo, catalogRepo, directory, urls }),
    authorizations: authorizationService({ db, authorizationRepo, directory, urls }),
    renderedDownloads: renderedDownloads({
      assertionRepo,
      catalogRepo,
      renderRepo,
      queues,
      files,
      presign: config.presignedDownloads,
    }),
    claimLinks,
    claimAnswers: claimAnswers({ signer: claimLinks, repo: walletExchangeRepo, base: urls.base }),
    dashboardSessionKey,
    exchanges: exchangeService({
      assertionRepo,
      walletExchangeRepo,
      issuerKeys,
      claimLinks,
      canSee: async (p, id) => void (await assertions.getVisible(p, p.org, id)),
      // Holder DIDs: this service's issuers from the database, any other did:web over bounded HTTPS.
      resolveDidWeb: didWebFetcher({
        policy: addressPolicy(),
        timeoutMs: config.wallet.didWebTimeoutMs,
        local: issuerKeys.dids.resolveDidWeb,
      }),
      publicBaseUrl: config.publicBaseUrl,
      exchangeTtlMs: config.wallet.exchangeTtlMs,
      maxClaimCopies: config.wallet.maxClaimCopies,
    }),
    /** Ends the worker threads (the service stops). */
    async close(): Promise<void> {
      await Promise.all([signingPool.close(), uploads.close(), images.close()]);
    },
  };
}

export type Services = ReturnType<typeof createServices>;
