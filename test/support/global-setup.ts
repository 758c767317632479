import type { TestProject } from 'vitest/node';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/embedded/redis-server.js';

/** One private redis-server for the whole run; each test file isolates itself with a key prefix. */
let redis: EmbeddedRedis | undefined;

export async function setup(project: TestProject): Promise<void> {
  redis = await startEmbeddedRedis();
  project.provide('redisUrl', redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
