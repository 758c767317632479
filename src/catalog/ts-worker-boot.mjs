// Entry of a worker thread running a TypeScript module: the sources run through tsx (no build),
// and a worker thread does not inherit the parent's loader, so it registers tsx itself.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
