import { BrowserWindow, session, type Session } from 'electron';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PrintPdf } from '../../shared/node/report/export';

/**
 * The app's PDF export: the report's HTML (self-contained, CSP `default-src 'none'`, no script)
 * printed by Chromium's own printToPDF in a hidden window made for that one print.
 *
 * Not the app's window factory (window.ts): this window has no preload and no IPC, runs no
 * JavaScript and never shows. It lives in its own in-memory session, so it shares nothing with the
 * app's page (no storage, no app:// protocol) and leaves nothing on disk, and that session denies
 * every permission and every request but the page itself. The global guards of hardening.ts apply to
 * it too (`web-contents-created`): its only navigation is main's own loadURL, which Electron does not
 * pass through `will-navigate` (that event is for navigations the page starts), so nothing else is
 * needed to let it load, and anything the page tried to open or navigate to would still be refused.
 */

/** Not `persist:`: an in-memory session, gone with the app. */
const PRINT_PARTITION = 'portwise-print';
/** Chromium refuses longer URLs (url::kMaxURLChars, 2 MiB); a bigger report is printed from a private temporary file. */
const MAX_DATA_URL = 2 * 1024 * 1024 - 1024;
const DEFAULT_TIMEOUT_MS = 60_000;
const CANCELLED = 'The PDF export was cancelled.';

/** The file URLs being printed right now: the only URLs besides `data:` the print session lets through. */
const allowedFiles = new Set<string>();
let printSession: Session | null = null;

function lockedDownSession(): Session {
  if (printSession) return printSession;
  const ses = session.fromPartition(PRINT_PARTITION);
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  // The CSP already stops the page from loading anything; this refuses it again, below the page.
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !(details.url.startsWith('data:') || allowedFiles.has(details.url)) }));
  ses.on('will-download', (event) => event.preventDefault());
  printSession = ses;
  return ses;
}

export interface ElectronPdfOptions {
  /** Load and print, in all (default 60 s). */
  timeoutMs?: number;
}

/** Prints with a hidden, sandboxed window that runs no script; the window is always destroyed. */
export function electronPdfPrinter(options: ElectronPdfOptions = {}): PrintPdf {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return async (html, { signal } = {}) => {
    if (signal?.aborted) throw new Error(CANCELLED);
    let url = `data:text/html;base64,${Buffer.from(html, 'utf8').toString('base64')}`;
    let tempDir: string | null = null;
    let win: BrowserWindow | null = null;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    // Rejects when the print is given up: at the deadline, or on the caller's abort.
    const givenUp = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new GivenUp(`The PDF was not printed within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}, so it was stopped.`)), timeoutMs);
      onAbort = () => reject(new GivenUp(CANCELLED));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    givenUp.catch(() => undefined);
    try {
      if (url.length > MAX_DATA_URL) {
        tempDir = await mkdtemp(path.join(os.tmpdir(), 'portwise-pdf-'));
        const file = path.join(tempDir, 'report.html');
        await writeFile(file, html, { encoding: 'utf8', mode: 0o600 });
        url = pathToFileURL(file).href;
        allowedFiles.add(url);
      }
      win = new BrowserWindow({
        show: false,
        width: 794,
        height: 1123,
        webPreferences: {
          session: lockedDownSession(),
          sandbox: true,
          contextIsolation: true,
          nodeIntegration: false,
          nodeIntegrationInWorker: false,
          nodeIntegrationInSubFrames: false,
          webviewTag: false,
          javascript: false,
          spellcheck: false,
        },
      });
      await step(win.loadURL(url), givenUp, 'The report could not be loaded to print it');
      const pdf = await step(win.webContents.printToPDF({ printBackground: true, pageSize: 'A4' }), givenUp, 'Chromium could not print the report');
      return new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (win && !win.isDestroyed()) win.destroy();
      if (tempDir !== null) {
        allowedFiles.delete(url);
        await rm(tempDir, { recursive: true, force: true });
      }
    }
  };
}

class GivenUp extends Error {}

/** `work`, unless the print is given up first; its own failure in words. */
async function step<T>(work: Promise<T>, givenUp: Promise<never>, failure: string): Promise<T> {
  // The loser of the race must not become an unhandled rejection once the window is gone.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, givenUp]);
  } catch (error) {
    if (error instanceof GivenUp) throw new Error(error.message, { cause: error });
    throw new Error(`${failure} (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
  }
}
