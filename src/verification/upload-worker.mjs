// Entry of the upload worker threads (see upload-inspector.ts). Plain JavaScript, because a new
// thread starts without the TypeScript loader: it registers tsx for itself (as bin/badgeworks.js
// does for the main thread), then loads the inspection code, which imports nothing heavy.
import { register } from 'tsx/esm/api';

register();
const { inspectUploadReply } = await import('./upload-inspection.ts');

/** Piscina calls the default export with the task: the file's bytes. */
export default function inspect(bytes) {
  return inspectUploadReply(bytes);
}
