// The Chromium printer's own behaviour, with stand-in browsers (shell scripts that behave like one
// way a browser can go wrong): the flags, the private folder, the deadline, the sentences. The real
// Chromium prints in pdf.test.ts.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chromiumPdfPrinter, findBrowser } from '../../../shared/node/report/chromium-pdf';
import { waitFor } from '../../integration/loopback';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-chromium-pdf-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in browser: logs its arguments, the mode of its folder and its pid, then runs `body`. */
function fakeBrowser(body: string): string {
  const file = join(dir, 'fake-browser');
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      `log=${join(dir, 'log')}`,
      'echo "pid $$" >> "$log"',
      'for a in "$@"; do echo "arg $a" >> "$log"; done',
      'out=""; for a in "$@"; do case "$a" in --print-to-pdf=*) out="${a#--print-to-pdf=}";; esac; done',
      'echo "mode $(stat -c %a "$(dirname "$out")")" >> "$log"',
      body,
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return file;
}

const log = () => readFileSync(join(dir, 'log'), 'utf8').trim().split('\n');
const args = () => log().filter((l) => l.startsWith('arg ')).map((l) => l.slice(4));
const printOut = () => args().find((a) => a.startsWith('--print-to-pdf='))!.slice('--print-to-pdf='.length);
/** Running (a zombie waiting for its parent to be reaped counts as gone: it runs nothing). Linux's /proc. */
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
};

describe('chromiumPdfPrinter', () => {
  it('runs the browser headless with a new profile in a private folder, returns the PDF, and removes the folder', async () => {
    const browser = fakeBrowser('printf "%%PDF-1.4 fake" > "$out"');
    const pdf = await chromiumPdfPrinter(browser)('<!doctype html><title>t</title>');
    expect(Buffer.from(pdf).toString('latin1')).toBe('%PDF-1.4 fake');
    const a = args();
    for (const flag of ['--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-pdf-header-footer']) expect(a).toContain(flag);
    const folder = printOut().replace(/\/report\.pdf$/, '');
    expect(a).toContain(`--user-data-dir=${folder}/profile`);
    expect(a[a.length - 1]).toBe(`file://${folder}/report.html`);
    expect(a.includes('--no-sandbox')).toBe(process.getuid?.() === 0);
    expect(log()).toContain('mode 700');
    expect(existsSync(folder)).toBe(false);
  });

  it('says in words when the browser is missing, fails, writes nothing or writes something else', async () => {
    const print = (browser: string) => chromiumPdfPrinter(browser)('<p>x</p>');
    await expect(print(join(dir, 'no-such-browser'))).rejects.toThrow(`No browser to print the PDF with at ${join(dir, 'no-such-browser')}: it is not there, or not an executable file.`);
    writeFileSync(join(dir, 'not-executable'), '');
    await expect(print(join(dir, 'not-executable'))).rejects.toThrow(/not there, or not an executable file/);
    const failing = fakeBrowser('echo "[1:1:ERROR:dbus/bus.cc:405] Failed to connect to the bus" >&2; echo "first complaint" >&2; echo "Missing X server or $$DISPLAY" >&2; exit 3');
    await expect(print(failing)).rejects.toThrow(new RegExp(`^${failing} exited with code 3 before printing the PDF\\. Its last words:\\n  first complaint\\n  Missing X server or \\d+DISPLAY$`));
    const silent = fakeBrowser('exit 0');
    await expect(print(silent)).rejects.toThrow(`${silent} ended without writing the PDF.`);
    const wrong = fakeBrowser('echo "<html>" > "$out"');
    await expect(print(wrong)).rejects.toThrow(`${wrong} wrote a file that is not a PDF.`);
    expect(existsSync(printOut().replace(/\/report\.pdf$/, ''))).toBe(false);
  });

  it('stops the browser and its helpers at the deadline, and on abort', async () => {
    // The script and a helper it starts both hang; both are in the browser's process group.
    const hanging = fakeBrowser(`sleep 30 & echo "helper $!" >> "$log"; wait`);
    await expect(chromiumPdfPrinter(hanging, { timeoutMs: 300 })('<p>x</p>')).rejects.toThrow(`${hanging} did not print the PDF within 300 ms, so it was stopped.`);
    const pids = log()
      .filter((l) => /^(pid|helper) /.test(l))
      .map((l) => Number(l.split(' ')[1]));
    expect(pids).toHaveLength(2);
    await waitFor(() => pids.every((pid) => !alive(pid)), 5000, 'the browser and its helper to be gone');
    expect(existsSync(printOut().replace(/\/report\.pdf$/, ''))).toBe(false);

    rmSync(join(dir, 'log'));
    const controller = new AbortController();
    const pending = chromiumPdfPrinter(hanging)('<p>x</p>', { signal: controller.signal });
    await waitFor(() => existsSync(join(dir, 'log')) && log().some((l) => l.startsWith('helper ')), 5000, 'the browser to start');
    controller.abort();
    await expect(pending).rejects.toThrow('The PDF export was cancelled.');
    const again = log()
      .filter((l) => /^(pid|helper) /.test(l))
      .map((l) => Number(l.split(' ')[1]));
    await waitFor(() => again.every((pid) => !alive(pid)), 5000, 'the browser to be gone after abort');
  });
});

describe('findBrowser', () => {
  const found = (files: readonly string[]) => (file: string) => files.includes(file);

  it('PORTWISE_BROWSER wins, as given', () => {
    expect(findBrowser({ env: { PORTWISE_BROWSER: '/opt/b/chrome', PATH: '/usr/bin' }, platform: 'linux', exists: found(['/usr/bin/chromium']) })).toBe('/opt/b/chrome');
  });

  it('on Linux: the usual names on PATH, in order of preference; relative PATH entries are skipped', () => {
    const env = { PATH: 'bin:/usr/local/bin:/usr/bin' };
    expect(findBrowser({ env, platform: 'linux', exists: found(['/usr/bin/google-chrome', '/usr/bin/chromium']) })).toBe('/usr/bin/chromium');
    expect(findBrowser({ env, platform: 'linux', exists: found(['/usr/bin/google-chrome-stable']) })).toBe('/usr/bin/google-chrome-stable');
    expect(findBrowser({ env, platform: 'linux', exists: found(['/usr/local/bin/microsoft-edge']) })).toBe('/usr/local/bin/microsoft-edge');
    expect(findBrowser({ env, platform: 'linux', exists: found(['bin/chromium', '/Applications/Chromium.app/Contents/MacOS/Chromium']) })).toBeNull();
    expect(findBrowser({ env: {}, platform: 'linux', exists: () => true })).toBeNull();
  });

  it('on macOS: PATH, then the apps in /Applications and ~/Applications', () => {
    const env = { PATH: '/opt/homebrew/bin:/usr/bin', HOME: '/Users/ann' };
    expect(findBrowser({ env, platform: 'darwin', exists: found(['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome']) })).toBe('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome');
    expect(findBrowser({ env, platform: 'darwin', exists: found(['/Users/ann/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge']) })).toBe('/Users/ann/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge');
    expect(findBrowser({ env, platform: 'darwin', exists: found(['/opt/homebrew/bin/chromium', '/Applications/Chromium.app/Contents/MacOS/Chromium']) })).toBe('/opt/homebrew/bin/chromium');
  });

  it('on Windows: PATH, then Program Files and the user\'s own installs, whatever the variables\' case', () => {
    const env = { Path: 'C:\\Windows\\system32', ProgramFiles: 'C:\\Program Files', 'ProgramFiles(x86)': 'C:\\Program Files (x86)', LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' };
    expect(findBrowser({ env, platform: 'win32', exists: found(['C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe']) })).toBe('C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe');
    expect(findBrowser({ env, platform: 'win32', exists: found(['C:\\Users\\ann\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe']) })).toBe('C:\\Users\\ann\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe');
    expect(findBrowser({ env: { ...env, Path: 'C:\\tools' }, platform: 'win32', exists: found(['C:\\tools\\chrome.exe']) })).toBe('C:\\tools\\chrome.exe');
    expect(findBrowser({ env: { portwise_browser: 'D:\\b\\chrome.exe' }, platform: 'win32', exists: () => false })).toBe('D:\\b\\chrome.exe');
    expect(findBrowser({ env, platform: 'win32', exists: () => false })).toBeNull();
  });
});
