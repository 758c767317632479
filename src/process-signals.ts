import type { Logger } from './logger.js';

/**
 * Waits for SIGINT/SIGTERM, then stops gracefully (in-flight jobs drain). A second signal exits at
 * once; jobs in flight then stay in Redis and are retried by the next worker.
 */
export function runUntilSignal(stop: () => Promise<void>, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    let count = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      count += 1;
      if (count > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      process.stdout.write(`\n${signal}: shutting down (waiting for in-flight jobs; press Ctrl-C again to force)\n`);
      stop()
        .then(() => {
          process.stdout.write('badgeworks stopped\n');
          resolve();
        })
        .catch((err) => {
          logger.error({ err }, 'error during shutdown');
          process.exitCode = 1;
          resolve();
        });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
