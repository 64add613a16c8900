/**
 * The CLI's PDF: the report's HTML printed by a local Chromium, Chrome or Edge, headless. The HTML is
 * self-contained under a CSP of `default-src 'none'` (shared/common/report/html.ts), so the browser
 * fetches nothing and runs nothing; it gets a new, empty profile in a private temporary folder, and
 * everything it wrote there is removed afterwards, whatever happened.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { shown } from '../../common/schema/target';
import type { PrintPdf } from './export';

/** The names a Chromium-family browser has on PATH (Linux packages, Homebrew's, a user's symlinks). */
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge', 'microsoft-edge-stable'] as const;
const WINDOWS_PATH_NAMES = ['chrome.exe', 'msedge.exe', 'chromium.exe'] as const;

const MAC_APPS = ['Google Chrome.app/Contents/MacOS/Google Chrome', 'Chromium.app/Contents/MacOS/Chromium', 'Microsoft Edge.app/Contents/MacOS/Microsoft Edge'] as const;
const WINDOWS_INSTALLS = ['Google\\Chrome\\Application\\chrome.exe', 'Microsoft\\Edge\\Application\\msedge.exe', 'Chromium\\Application\\chrome.exe'] as const;

export interface FindBrowserOptions {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Is there an executable file at this path? (Injected so the search can be tested on any system.) */
  exists: (file: string) => boolean;
}

/** Windows spells variable names in any case; a plain object from a test does not. */
function envValue(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'win32') return env[name] || undefined;
  const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
  return (key === undefined ? undefined : env[key]) || undefined;
}

/**
 * A Chromium, Chrome or Edge to print with, or null. `PORTWISE_BROWSER` wins (returned as given, so a
 * wrong path fails with its own sentence rather than as "none found"); then the usual names on PATH;
 * then the usual install places on macOS and Windows.
 */
export function findBrowser({ env, platform, exists }: FindBrowserOptions): string | null {
  const chosen = envValue(env, 'PORTWISE_BROWSER', platform);
  if (chosen) return chosen;
  const p = platform === 'win32' ? path.win32 : path.posix;
  const dirs = (envValue(env, 'PATH', platform) ?? '').split(platform === 'win32' ? ';' : ':').filter((d) => d !== '' && p.isAbsolute(d));
  const names: readonly string[] = platform === 'win32' ? WINDOWS_PATH_NAMES : PATH_NAMES;
  const candidates: string[] = [];
  for (const name of names) for (const dir of dirs) candidates.push(p.join(dir, name));
  if (platform === 'darwin') {
    const home = envValue(env, 'HOME', platform);
    for (const app of MAC_APPS) candidates.push(p.join('/Applications', app), ...(home ? [p.join(home, 'Applications', app)] : []));
  }
  if (platform === 'win32') {
    const roots = ['PROGRAMFILES', 'PROGRAMFILES(X86)', 'LOCALAPPDATA'].map((name) => envValue(env, name, platform)).filter((r): r is string => r !== undefined);
    for (const install of WINDOWS_INSTALLS) for (const root of roots) candidates.push(p.join(root, install));
  }
  return candidates.find((file) => exists(file)) ?? null;
}

/** `exists` for findBrowser on this computer: a file that this user may execute. */
export function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface ChromiumPdfOptions {
  /** How long the browser may take, start to PDF (default 60 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** Enough of stderr to quote its last lines when the browser fails. */
const STDERR_KEEP = 16_384;
/** Chromium's complaints about a missing D-Bus are on every run; they never explain a failure. */
const NOISE = /:ERROR:dbus\/|Failed to connect to the bus/;

/**
 * Prints with the browser at `browserPath`: the HTML goes to a private temporary folder (0700), the
 * browser runs headless with a new empty profile there and `--print-to-pdf`, bounded by a deadline
 * (its whole process group is killed at the deadline or on abort). Rejects with an Error whose
 * message is a sentence for a person.
 */
export function chromiumPdfPrinter(browserPath: string, options: ChromiumPdfOptions = {}): PrintPdf {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return async (html, { signal } = {}) => {
    const browser = shown(browserPath, 300);
    if (!isExecutableFile(browserPath)) throw new Error(`No browser to print the PDF with at ${browser}: it is not there, or not an executable file.`);
    if (signal?.aborted) throw new Error('The PDF export was cancelled.');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portwise-pdf-'));
    try {
      const page = path.join(dir, 'report.html');
      const out = path.join(dir, 'report.pdf');
      await writeFile(page, html, { encoding: 'utf8', mode: 0o600 });
      const args = [
        '--headless',
        '--disable-gpu',
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-extensions',
        '--disable-quic',
        '--no-pdf-header-footer',
        `--user-data-dir=${path.join(dir, 'profile')}`,
        // Chromium refuses to start as root with its sandbox on; root is the only case it is turned off.
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        `--print-to-pdf=${out}`,
        pathToFileURL(page).href,
      ];
      await runBrowser(browserPath, args, timeoutMs, signal);
      let pdf: Buffer;
      try {
        pdf = await readFile(out);
      } catch {
        throw new Error(`${browser} ended without writing the PDF.${snapHint(browserPath)}`);
      }
      if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new Error(`${browser} wrote a file that is not a PDF.`);
      return new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength);
    } finally {
      // The page (the redacted report) and the browser's profile go, whatever happened.
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    }
  };
}

/** A snap-packaged browser has its own /tmp, so it cannot see the page nor write the PDF where asked. */
function snapHint(browserPath: string): string {
  return browserPath.includes('/snap/') ? ' A snap-packaged browser cannot read or write the temporary folder: give another one with --browser PATH.' : '';
}

function runBrowser(file: string, args: readonly string[], timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const browser = shown(file, 300);
    // Its own process group (not on Windows), so the deadline kills the helpers it started too.
    const detached = process.platform !== 'win32';
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], detached, windowsHide: true });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });
    let settled = false;
    const killGroup = () => {
      try {
        if (detached && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // Helpers left behind (a crash handler) must not outlive the run, nor write into the folder being removed.
      killGroup();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`${browser} did not print the PDF within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}, so it was stopped.`)), timeoutMs);
    const onAbort = () => finish(new Error('The PDF export was cancelled.'));
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => finish(new Error(`${browser} could not be started (${error.code ?? error.message}).`)));
    const failure = (code: number | null, signalName: NodeJS.Signals | null): Error => {
      const last = stderr
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '' && !NOISE.test(line))
        .slice(-5)
        .map((line) => `  ${shown(line, 300)}`);
      const how = code === null ? `was killed by ${signalName ?? 'a signal'}` : `exited with code ${code}`;
      return new Error(`${browser} ${how} before printing the PDF.${last.length > 0 ? ` Its last words:\n${last.join('\n')}` : ''}${snapHint(file)}`);
    };
    child.on('exit', (code, signalName) => {
      if (code === 0) return finish(null);
      // Its last stderr lines may still be in the pipe: wait for it to close, briefly (a helper may hold it open).
      const grace = setTimeout(() => finish(failure(code, signalName)), 500);
      child.once('close', () => {
        clearTimeout(grace);
        finish(failure(code, signalName));
      });
    });
  });
}
