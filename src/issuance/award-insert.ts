import type { Db } from '../db/database.js';
import { assertionRepository, type AssertionRepository, type NewAssertion } from '../db/assertion-repository.js';
import { EMPTY_RECORDED, type Notifier } from '../events/notifier.js';
import { issuedEvent } from '../events/assertion-events.js';
import type { PublicUrls } from '../public-urls.js';

/**
 * Stores the rows of one insert round (ON CONFLICT DO NOTHING) and returns the ids stored. Issue
 * 16: the events (and the deliveries and emails they cause) commit with the rows.
 */
export async function insertAwardRows(
  deps: { db: Db; assertionRepo: AssertionRepository; urls: PublicUrls; notifier?: Notifier },
  rows: NewAssertion[],
  event: { bulkId?: string; previous: Map<string, string>; notify?: boolean },
): Promise<Set<string>> {
  const { db, urls } = deps;
  const notifier = deps.notifier;
  const { stored, recorded } = notifier
    ? await db.transaction().execute(async (trx) => {
        const ids = await assertionRepository(trx).insertAssertions(rows);
        const events = rows
          .filter((row) => ids.has(row.id))
          .map((row) =>
            issuedEvent(urls, row, {
              bulkId: event.bulkId,
              previousId: event.previous.get(row.recipient_user_id),
              notify: event.notify,
            }),
          );
        return { stored: ids, recorded: await notifier.record(trx, events) };
      })
    : { stored: await deps.assertionRepo.insertAssertions(rows), recorded: EMPTY_RECORDED };
  await notifier?.publish(recorded);
  return stored;
}
