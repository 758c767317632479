/** Worker-thread side of svg-sanitizer-thread.ts: sanitizes one SVG per message. */
import { parentPort } from 'node:worker_threads';
import { sanitizeSvg, SvgLimitError, SvgRejectedError } from './svg-sanitizer.js';

export interface SvgJobReply {
  ready?: true;
  id?: number;
  result?: { svg: string; removed: string[] };
  error?: { kind: 'limit' | 'rejected' | 'fault'; message: string };
}

parentPort!.on('message', ({ id, bytes }: { id: number; bytes: Uint8Array }) => {
  let reply: SvgJobReply;
  try {
    reply = { id, result: sanitizeSvg(bytes) };
  } catch (e) {
    const kind = e instanceof SvgLimitError ? 'limit' : e instanceof SvgRejectedError ? 'rejected' : 'fault';
    reply = { id, error: { kind, message: String((e as Error)?.message ?? e) } };
  }
  parentPort!.postMessage(reply);
});
// loaded (tsx compiles on start): jobs may come, their time limit starts now
parentPort!.postMessage({ ready: true });
