import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startService } from './service.js';
import { findChromium, CHROMIUM_MISSING } from './embedded/chromium.js';
import { runUntilSignal } from './process-signals.js';

/** All-in-one: API and workers in one process on the embedded defaults. */
export async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const phase = (line: string) => process.stdout.write(`badgeworks: ${line}\n`);
  const chromium = findChromium(config.chromiumPath);
  if (!chromium) throw new Error(CHROMIUM_MISSING);
  phase(`browser: ${chromium} (launched on the first render)`);
  const svc = await startService({ config, api: true, workers: true, logger, onPhase: phase });
  if (svc.bootstrap.tokenFile) {
    process.stdout.write(
      `\nFirst start: created org "main" and platform admin "admin".\n` +
        // The token itself never goes to stdout: that is the JSON log stream, which log shippers keep.
        `Admin API token written to ${svc.bootstrap.tokenFile} (mode 600): TOKEN=$(cat ${svc.bootstrap.tokenFile})\n\n`,
    );
  }
  process.stdout.write(`badgeworks listening on ${svc.url} (public base URL ${config.publicBaseUrl})\n`);
  process.stdout.write(`badgeworks ready: api + workers, database ${svc.runtime.dbKind}\n`);
  await runUntilSignal(svc.stop, logger);
}
