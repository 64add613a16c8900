import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { events } from '../../shared/common/ipc';
import type { Report } from '../../shared/common/schema/report';
import { createHandlerTable } from '../../shared/node/handlers';
import { chromiumPdfPrinter } from '../../shared/node/report/chromium-pdf';
import { NO_PDF_PRINTER } from '../../shared/node/report/export';
import { openHistoryStore } from '../../shared/node/store/history-store';
import { closedPort } from '../integration/loopback';
import { expectNoAxeViolations } from './harness/axe';
import { CHROMIUM_PATH } from './harness/bridge';
import { createScriptedTable, SCRIPTED, shareable } from './harness/scripted-table';
import { DiagnosisPage, RunPage, TargetFormPage, type ExportDialogPage } from './harness/wizard-pages';
import { screenshotDir as shots, useWizardSession, WAIT_MS, type SessionContext } from './harness/wizard-session';

/**
 * The export dialog in Chromium: a diagnosis made in the real UI, the dialog opened from the
 * verdict, what to hide ticked, the preview read, then Markdown and PDF exported through the real
 * handler table (the PDF printed by Chromium, as the CLI prints it; the app uses Electron's own) and
 * the downloaded files read back (the PDF with poppler's pdftotext). The history is the real store,
 * on a private PORTWISE_HOME.
 */

const PDFTOTEXT = '/usr/bin/pdftotext';
const home = mkdtempSync(join(tmpdir(), 'pw-e2e-export-'));
afterAll(() => rm(home, { recursive: true, force: true }));

/** Whitespace as one space: a PDF's text wraps where its page does. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

async function textOf(download: Download): Promise<string> {
  const file = await download.path();
  const bytes = await readFile(file);
  if (download.suggestedFilename().endsWith('.pdf')) {
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    return flat(execFileSync(PDFTOTEXT, ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
  }
  return bytes.toString('utf8');
}

function lastFinished(ctx: SessionContext): { report: Report; historyId: string | null | undefined } {
  const finished = ctx.session.relay.emitted.map((e) => events.onDiagnosisEvent.parse(e.payload).event).filter((e) => e.type === 'finished');
  const end = finished.at(-1);
  if (end?.type !== 'finished') throw new Error('no finished report was emitted');
  return { report: end.report, historyId: end.historyId };
}

async function diagnose(page: Page, target: string): Promise<void> {
  const form = new TargetFormPage(page);
  await form.waitUntilShown();
  await form.submitWithKeyboard(target);
  await new RunPage(page).verdictTitle(/^Nothing is listening/).waitFor({ timeout: WAIT_MS });
}

describe('export with the real engine on loopback', () => {
  const portwiseHome = join(home, 'real');
  const env = { HOME: home, PORTWISE_HOME: portwiseHome, USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const ctx = useWizardSession((sink) =>
    createHandlerTable({ sink, appInfo: { name: 'Portwise', version: '0.0.0-e2e', platform: 'linux' }, env, printPdf: chromiumPdfPrinter(CHROMIUM_PATH, { timeoutMs: 60_000 }) }),
  );
  let page: Page;
  beforeEach(() => {
    page = ctx.page;
  });

  it('a refused port: saved to the history; exported to Markdown and PDF with what the preview listed replaced; verify-the-fix joins the report', async () => {
    const port = await closedPort('127.0.0.1');
    await diagnose(page, `127.0.0.1:${port}`);
    const { report, historyId } = lastFinished(ctx);
    expect(report.diagnosis.cause).toBe('service-not-running');
    // Saved before the verdict reached the page.
    const history = openHistoryStore({ env });
    expect(await history.get(historyId ?? '')).toEqual({ ok: true, report });

    const diagnosis = new DiagnosisPage(page);
    let dialog = await diagnosis.openExport();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('type'))).toBe('radio');
    await expectNoAxeViolations(page, 'export dialog');
    await page.screenshot({ path: join(shots, 'export-01-dialog.png') });
    // Escape closes it and gives the focus back to the button that opened it.
    await page.keyboard.press('Escape');
    await dialog.dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => diagnosis.exportButton.evaluate((el) => el === (el.ownerDocument as { activeElement: unknown }).activeElement)).toBe(true);

    dialog = await diagnosis.openExport();
    await dialog.hide('Host names').check();
    await dialog.hide('IP addresses').check();
    await expect.poll(() => dialog.preview.getByText(/^Secrets found: \d+$/).count()).toBe(1);
    // Loopback is kept (the diagnosis turns on it); whatever else the run saw on this computer is listed, and replaced.
    const rows = await dialog.previewRows();
    expect(rows.map((r) => r[0]).every((kind) => kind === 'Secret' || kind === 'Host name' || kind === 'IP address')).toBe(true);
    expect(rows.some((r) => r[1] === '127.0.0.1')).toBe(false);
    const originals = rows.filter((r) => r[0] !== 'Secret').map((r) => r[1] as string);

    for (const format of ['Markdown', 'PDF'] as const) {
      const download = await dialog.export(format, ['Host names', 'IP addresses']);
      const extension = format === 'PDF' ? 'pdf' : 'md';
      expect(download.suggestedFilename()).toMatch(new RegExp(`^portwise-report-127\\.0\\.0\\.1-${port}-\\d{8}T\\d{4}Z\\.${extension}$`));
      const text = await textOf(download);
      expect(text).toContain(report.diagnosis.title);
      expect(text).toContain(`127.0.0.1:${port}`);
      for (const original of originals) expect(text).not.toContain(original);
      await expect.poll(() => dialog.status.textContent()).toContain(`Exported ${download.suggestedFilename()}.`);
    }
    await page.screenshot({ path: join(shots, 'export-02-exported.png') });
    await dialog.close.click();
    await dialog.dialog.waitFor({ state: 'hidden' });

    // A verify-the-fix run is added to the saved entry and to what is exported next.
    await diagnosis.verifyFix.click();
    await expect.poll(() => diagnosis.verifyOutcome.textContent(), { timeout: WAIT_MS }).toBe('Still failing');
    await expect.poll(async () => {
      const saved = await history.get(historyId ?? '');
      return saved.ok ? (saved.report.verifications ?? []).map((v) => v.fixed) : null;
    }).toEqual([false]);
    const json = JSON.parse(await textOf(await diagnosis.exportReport('JSON'))) as Report;
    expect(json.verifications?.map((v) => v.fixed)).toEqual([false]);
    expect(json.diagnosis.cause).toBe('service-not-running');
  });
});

describe('export of a report with hosts, addresses, users, paths and a secret', () => {
  const ctx = useWizardSession((sink) => createScriptedTable(sink, join(home, 'scripted'), { printPdf: chromiumPdfPrinter(CHROMIUM_PATH, { timeoutMs: 60_000 }) }));
  let page: Page;
  beforeEach(() => {
    page = ctx.page;
  });

  const everything = ['Host names', 'IP addresses', 'User names', 'File paths'] as const;
  const originals = Object.values(shareable);

  it('the preview lists each replacement (the secret masked), and no exported file holds an original', async () => {
    await diagnose(page, SCRIPTED.shareable);
    const { report } = lastFinished(ctx);
    const dialog: ExportDialogPage = await new DiagnosisPage(page).openExport();

    // Secrets always: counted, and never shown whole.
    await dialog.preview.getByText('Secrets found: 1', { exact: true }).waitFor();
    const [secretRow] = await dialog.previewRows();
    expect(secretRow?.[0]).toBe('Secret');
    expect(secretRow?.[1]).toMatch(/^hu•+ \(19 characters\)$/);
    expect(secretRow?.[2]).toBe('[redacted-secret-1]');
    expect(await page.locator('body').innerText()).not.toContain(shareable.secret);

    await dialog.hide('Host names').check();
    await dialog.hide('IP addresses').check();
    await expect.poll(() => dialog.previewRows()).toContainEqual(['Host name', shareable.host, 'host-1.example.invalid', expect.stringMatching(/^\d+$/)]);
    expect(await dialog.previewRows()).toContainEqual(['IP address', shareable.address, '192.0.2.1', expect.stringMatching(/^\d+$/)]);
    await page.screenshot({ path: join(shots, 'export-03-preview.png') });

    for (const format of ['Markdown', 'PDF'] as const) {
      const download = await dialog.export(format, everything);
      // The file's name does not say what its content hides.
      expect(download.suggestedFilename()).toMatch(new RegExp(`^portwise-report-redacted-5432-\\d{8}T\\d{4}Z\\.${format === 'PDF' ? 'pdf' : 'md'}$`));
      const text = await textOf(download);
      expect(text).toContain(report.diagnosis.title);
      expect(text).toContain('host-1.example.invalid');
      for (const original of originals) expect(text).not.toContain(original);
      await expect.poll(() => dialog.status.textContent()).toMatch(/1 secret, \d+ host names?, 1 IP address, \d+ user names? and 1 file path were replaced\.$/);
    }
  });
});

describe('export where there is no browser to print a PDF with', () => {
  const ctx = useWizardSession((sink) => createScriptedTable(sink, join(home, 'no-printer')));

  it('PDF: the dialog says so in a sentence and saves nothing; HTML still exports', async () => {
    const page = ctx.page;
    await diagnose(page, SCRIPTED.shareable);
    const dialog = await new DiagnosisPage(page).openExport();
    const downloads: Download[] = [];
    page.on('download', (d) => downloads.push(d));
    await dialog.format('PDF').check();
    await dialog.exportButton.click();
    const alert = dialog.dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(NO_PDF_PRINTER);
    expect(downloads).toEqual([]);
    await page.screenshot({ path: join(shots, 'export-04-no-pdf.png') });

    const html = await dialog.export('HTML', []);
    expect(html.suggestedFilename()).toMatch(/^portwise-report-db\.example\.com-5432-\d{8}T\d{4}Z\.html$/);
    const text = await textOf(html);
    expect(text).toMatch(/^<!doctype html>/i);
    expect(text).toContain(shareable.host);
    expect(text).not.toContain(shareable.secret);
    expect(await alert.count()).toBe(0);
  });
});
