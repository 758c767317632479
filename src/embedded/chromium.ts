import { accessSync, constants } from 'node:fs';

/**
 * Which Chromium to drive: the configured one, else Debian's headless shell (about twice as fast
 * for PDFs), else Debian's full chromium.
 */
export const CHROMIUM_CANDIDATES = ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium'];

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findChromium(configured?: string): string | undefined {
  if (configured) return executable(configured) ? configured : undefined;
  return CHROMIUM_CANDIDATES.find(executable);
}

/**
 * The binary the renderer launches: the configured one as given (a bad path fails at launch, as a
 * retryable render error), else the first installed candidate, else the last candidate.
 */
export function chromiumExecutable(configured?: string): string {
  return configured || findChromium() || CHROMIUM_CANDIDATES[CHROMIUM_CANDIDATES.length - 1];
}

export const CHROMIUM_MISSING =
  'Chromium was not found. Install the Debian package: apt-get install chromium-headless-shell (or chromium), or set CHROMIUM_PATH.';
