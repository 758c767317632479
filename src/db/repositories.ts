import type { Db } from './database.js';
import { analyticsRepository } from './analytics-repository.js';
import { assertionContextRepository } from './assertion-context-repository.js';
import { assertionRepository } from './assertion-repository.js';
import { assignmentRepository } from './assignment-repository.js';
import { authorizationRepository } from './authorization-repository.js';
import { catalogRepository } from './catalog-repository.js';
import { directoryRepository } from './directory-repository.js';
import { idempotencyRepository } from './idempotency-repository.js';
import { recipientRepository } from './recipient-repository.js';
import { renderRepository } from './render-repository.js';
import { statusListRepository } from './status-list-repository.js';

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
    catalogRepo: catalogRepository(db),
    directoryRepo: directoryRepository(db),
    idempotencyRepo: idempotencyRepository(db),
    recipientRepo: recipientRepository(db),
    renderRepo: renderRepository(db),
    statusListRepo: statusListRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
