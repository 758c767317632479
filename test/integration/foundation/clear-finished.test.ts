import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import { clearFinished } from '../../../src/queue/clear-finished.js';

/** The sweeps' re-enqueue: a finished job's id is freed, a pending one's is kept (no double). */
describe('clearFinished', () => {
  const url = new URL(inject('redisUrl'));
  const connection = { host: url.hostname, port: Number(url.port) };
  const prefix = `bw-clear-${randomBytes(4).toString('hex')}`;
  const queue = new Queue('q', { connection, prefix });
  afterAll(() => queue.close());

  it('frees the ids of failed and completed jobs and leaves waiting ones alone', async () => {
    const worker = new Worker(
      'q',
      async (job) => {
        if (job.data.fail) throw new Error('boom');
      },
      { connection, prefix },
    );
    await queue.add('j', { fail: true }, { jobId: 'failed-one' });
    await queue.add('j', { fail: false }, { jobId: 'done-one' });
    const finished = async () => {
      const c = await queue.getJobCounts('failed', 'completed');
      return c.failed + c.completed;
    };
    for (let i = 0; i < 200 && (await finished()) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    await worker.close();
    await queue.add('j', { fail: false }, { jobId: 'waiting-one' });

    // Without clearing, an add under a finished id is ignored.
    await queue.add('j', { again: true }, { jobId: 'failed-one' });
    expect(await (await queue.getJob('failed-one'))!.getState()).toBe('failed');

    await clearFinished(queue, ['failed-one', 'done-one', 'waiting-one', 'unknown']);
    await queue.add('j', { again: true }, { jobId: 'failed-one' });
    await queue.add('j', { again: true }, { jobId: 'done-one' });
    await queue.add('j', { again: true }, { jobId: 'waiting-one' });
    for (const id of ['failed-one', 'done-one']) {
      const job = (await queue.getJob(id))!;
      expect(await job.getState(), id).toBe('waiting');
      expect(job.data, id).toEqual({ again: true });
    }
    expect((await queue.getJob('waiting-one'))!.data).toEqual({ fail: false });
  });
});
