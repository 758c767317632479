import type { Db } from './database.js';
import { analyticsRepository } from './analytics-repository.js';
import { assertionContextRepository } from './assertion-context-repository.js';
import { assertionRepository } from './assertion-repository.js';
import { assignmentRepository } from './assignment-repository.js';
import { authorizationRepository } from './authorization-repository.js';
import { bulkRenderRepository } from './bulk-render-repository.js';
import { catalogRepository } from './catalog-repository.js';
import { directoryRepository } from './directory-repository.js';
import { eventRepository } from './event-repository.js';
import { idempotencyRepository } from './idempotency-repository.js';
import { mailRepository } from './mail-repository.js';
import { recipientRepository } from './recipient-repository.js';
import { renderRepository } from './render-repository.js';
import { statusListRepository } from './status-list-repository.js';
import { webhookRepository } from './webhook-repository.js';
import { walletExchangeRepository } from './wallet-exchange-repository.js';

/**
 * Every repository on one database handle, named as services' deps name them. A repository is a
 * factory over a handle: code inside a transaction builds its own on `trx` (`catalogRepository(trx)`).
 */
export function createRepositories(db: Db) {
  return {
    analyticsRepo: analyticsRepository(db),
    assertionContextRepo: assertionContextRepository(db),
    assertionRepo: assertionRepository(db),
    assignmentRepo: assignmentRepository(db),
    authorizationRepo: authorizationRepository(db),
    bulkRenderRepo: bulkRenderRepository(db),
    catalogRepo: catalogRepository(db),
    directoryRepo: directoryRepository(db),
    eventRepo: eventRepository(db),
    idempotencyRepo: idempotencyRepository(db),
    mailRepo: mailRepository(db),
    recipientRepo: recipientRepository(db),
    renderRepo: renderRepository(db),
    statusListRepo: statusListRepository(db),
    webhookRepo: webhookRepository(db),
    walletExchangeRepo: walletExchangeRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
