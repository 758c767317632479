/**
 * Starting and stopping one Chromium: the flags, the puppeteer-core launch over a pipe, and a close
 * that leaves no process behind.
 */
import puppeteer, { type Browser } from 'puppeteer-core';
import { RenderLimitError, RenderRetryableError } from './errors.js';

/** Chromium flags: the brief's set, plus what the measurements showed helps (see notes in renderer.ts). */
export function chromiumArgs(extra: string[] = []): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-dev-shm-usage',
    // Second wall behind request interception: no host name (nor IP literal) resolves at all.
    '--host-resolver-rules=MAP * ~NOTFOUND',
    // Cheaper per-job navigation to about:blank (measured: ~40 ms -> ~14 ms wall) and no throttling
    // of background pool pages.
    '--disable-features=BackForwardCache,RenderDocument,PaintHolding,Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater',
    '--disable-renderer-backgrounding',
    '--disable-background-timer-throttling',
    '--disable-backgrounding-occluded-windows',
    '--disable-breakpad',
    '--disable-crash-reporter',
    '--disable-domain-reliability',
    '--disable-client-side-phishing-detection',
    '--no-pings',
    '--font-render-hinting=none',
    '--force-color-profile=srgb',
    '--hide-scrollbars',
    '--mute-audio',
    ...extra,
  ];
}

/** chromium-headless-shell runs as `headless: 'shell'`; full Chromium as new headless, pages opened as windows. */
export function isHeadlessShell(executablePath: string): boolean {
  return /headless[-_]shell/.test(executablePath);
}

/** Launches Chromium; a failure is a RenderRetryableError('browser_unavailable'). */
export async function launchChromium(
  exe: string,
  extraArgs: string[] | undefined,
  timeoutMs: number,
): Promise<Browser> {
  try {
    return await puppeteer.launch({
      executablePath: exe,
      headless: isHeadlessShell(exe) ? 'shell' : true,
      pipe: true,
      args: chromiumArgs(extraArgs),
      // tagged PDFs and outlines cost 5–10 % and are off; automation infobar is irrelevant
      ignoreDefaultArgs: ['--export-tagged-pdf', '--generate-pdf-document-outline', '--enable-automation'],
      defaultViewport: null,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      timeout: timeoutMs,
      protocolTimeout: 60_000,
    });
  } catch (e) {
    throw new RenderRetryableError(
      'browser_unavailable',
      `could not start Chromium (${exe}): ${(e as Error).message.split('\n')[0]}`,
      { cause: e },
    );
  }
}

/** Closes the browser gently for up to 5 s, then kills its process group and waits (up to 3 s) for it to exit. */
export async function closeChromium(browser: Browser, pid: number | undefined): Promise<void> {
  const proc = browser.process();
  const exited = new Promise<void>((resolve) => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
  });
  const gentle = browser.connected ? browser.close().catch(() => undefined) : Promise.resolve();
  const timeout = new Promise<'t'>((r) => setTimeout(() => r('t'), 5000).unref());
  await Promise.race([gentle, timeout]);
  killTree(pid);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
}

/** SIGKILL the browser's process group (puppeteer starts Chromium detached, as a group leader). */
function killTree(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* group already gone */
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/**
 * A job's failure as the pool handles it: render errors as they are; a dead browser or a lost
 * session or page as RenderRetryableError('browser_crashed').
 */
export function jobFailure(e: unknown, browserDead: boolean): Error {
  if (e instanceof RenderRetryableError || e instanceof RenderLimitError) return e;
  const msg = String((e as Error)?.message ?? e);
  if (
    browserDead ||
    /Target closed|Session closed|Connection closed|has been closed|detached|crashed|Protocol error|ProtocolError|Navigating frame was detached|Browser disconnected/i.test(
      msg,
    )
  ) {
    return new RenderRetryableError('browser_crashed', `Chromium failed during the render: ${msg.split('\n')[0]}`, {
      cause: e,
    });
  }
  return e instanceof Error ? e : new Error(msg);
}
