import { mkdtempSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandlerTable } from '../../shared/node/handlers';
import { closedPort, listen, type TestServer } from '../integration/loopback';
import { expectNoAxeViolations } from './harness/axe';
import { RunPage, TargetFormPage } from './harness/wizard-pages';
import { screenshotDir as shots, useWizardSession, WAIT_MS } from './harness/wizard-session';

/**
 * The History screen in Chromium with the real handler table and the real history store on a
 * private PORTWISE_HOME: a loopback port diagnosed while nothing listens, then again once a
 * listener is started on it (the "fix"); both runs listed newest first, one opened, the two
 * compared side by side, and the history cleared after its confirmation.
 */

const home = mkdtempSync(join(tmpdir(), 'pw-e2e-history-'));
const portwiseHome = join(home, 'portwise');
const ctx = useWizardSession((sink) => createHandlerTable({ sink, appInfo: { name: 'Portwise', version: '0.0.0-e2e', platform: 'linux' }, env: { HOME: home, PORTWISE_HOME: portwiseHome, USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' } }));
let page: Page;
let listener: TestServer | undefined;

beforeEach(() => {
  page = ctx.page;
});

afterAll(async () => {
  await listener?.close();
  await rm(home, { recursive: true, force: true });
});

const section = (name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: true });
const list = () => page.getByRole('table', { name: 'Saved diagnoses, newest first' });
/** The list's rows below the header, each as the texts of its cells. */
async function listedRows(): Promise<string[][]> {
  const rows = list().getByRole('row');
  const count = await rows.count();
  const out: string[][] = [];
  for (let i = 1; i < count; i++) out.push((await rows.nth(i).locator(':scope > th, :scope > td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()));
  return out;
}
const savedFiles = async () => (await readdir(join(portwiseHome, 'history')).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));

async function diagnose(target: string, verdict: RegExp | string): Promise<void> {
  const form = new TargetFormPage(page);
  await section('Diagnose').click();
  const run = new RunPage(page);
  if (await run.newDiagnosis.count()) await run.newDiagnosis.click();
  await form.waitUntilShown();
  await form.submitWithKeyboard(target);
  await run.heading(target).waitFor();
  await run.verdictTitle(verdict).waitFor({ timeout: WAIT_MS });
}

describe('history', () => {
  it('lists a refused run and the run after the fix newest first, opens one, compares them, and clears', async () => {
    const port = await closedPort('127.0.0.1');
    const target = `127.0.0.1:${port}`;

    await diagnose(target, /^Nothing is listening/);
    await expect.poll(savedFiles, { timeout: WAIT_MS }).toHaveLength(1);
    // The fix: a service starts listening on the port.
    listener = await listen({ host: '127.0.0.1', port });
    await diagnose(target, 'The connection works from here now');
    await expect.poll(savedFiles, { timeout: WAIT_MS }).toHaveLength(2);

    await section('History').click();
    await page.getByRole('heading', { level: 1, name: 'History' }).waitFor();
    expect(await section('History').getAttribute('aria-current')).toBe('page');
    await expect.poll(async () => (await listedRows()).length, { timeout: WAIT_MS }).toBe(2);
    const [newer, older] = await listedRows();
    // [tick, target, finished, outcome, verdict, confidence, open]
    expect(newer?.slice(1, 6)).toEqual([target, expect.any(String), 'Connected', 'The connection works from here now', expect.stringMatching(/confidence$/)]);
    expect(older?.slice(1, 5)).toEqual([target, expect.any(String), 'Refused', expect.stringMatching(/^Nothing is listening/)]);
    await page.screenshot({ path: join(shots, '60-history-list.png'), fullPage: true });
    await expectNoAxeViolations(page, 'history list');

    // Open the older run: read-only, its verdict and path; back to the list where it was.
    const openOlder = page.getByRole('button', { name: new RegExp(`^Open ${target.replace(/\./g, '\\.')}, refused,`) });
    await openOlder.click();
    await page.getByRole('heading', { level: 1, name: target }).waitFor();
    await page.getByRole('heading', { level: 2, name: /^Nothing is listening/ }).waitFor();
    expect(await page.getByRole('region', { name: 'Decision path' }).getByRole('listitem').count()).toBeGreaterThan(0);
    expect(await page.getByRole('region', { name: 'Decision path' }).getByRole('button').count()).toBe(0);
    await page.screenshot({ path: join(shots, '61-history-report.png'), fullPage: true });
    await expectNoAxeViolations(page, 'history report');

    // Exported again, as Markdown: the saved report's verdict, rendered and redacted by main.
    await page.getByRole('button', { name: 'Export report' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export the report' });
    expect(await dialog.getByRole('radio', { name: /^Markdown/ }).isChecked()).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Export', exact: true }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.md$/);
    const markdown = await readFile(await download.path(), 'utf8');
    expect(markdown).toContain(`# Portwise report: \`${target}\` (outcome: refused)`);
    expect(markdown).toMatch(/Nothing is listening/);
    const exported = ctx.session.bridge.calls.filter((c) => c.name === 'exportReport').at(-1)?.request as { report: { outcome: string }; format: string };
    expect(exported).toMatchObject({ report: { outcome: 'refused' }, format: 'md' });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Back to the history' }).click();
    await expect.poll(() => openOlder.evaluate((button) => (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement === button)).toBe(true);

    // Compare: ticked with the keyboard (Space), the newer first; the older still goes left.
    const compare = page.getByRole('button', { name: 'Compare', exact: true });
    expect(await compare.isDisabled()).toBe(true);
    await page.getByRole('checkbox', { name: /, connected,/ }).press('Space');
    await page.getByRole('checkbox', { name: /, refused,/ }).press('Space');
    expect(await compare.isDisabled()).toBe(false);
    await compare.click();
    await page.getByRole('heading', { level: 1, name: target }).waitFor();
    const verdict = page.getByRole('table', { name: 'Verdict' });
    const outcome = verdict.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Outcome', exact: true }) });
    expect((await outcome.locator(':scope > th, :scope > td').allInnerTexts()).map((t) => t.trim())).toEqual(['Outcome', 'Refused', 'Connected', 'Changed']);
    const address = page.getByRole('table', { name: 'Addresses probed' }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: target, exact: true }) });
    expect((await address.locator(':scope > th, :scope > td').allInnerTexts()).map((t) => t.trim())).toEqual([target, 'Refused ×3', 'Connected ×3', 'Changed']);
    await page.getByText(/^The two walks part at step \d+\.$/).waitFor();
    const local = page.getByRole('table', { name: 'On this computer' }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Listening on this computer' }) });
    const localCells = (await local.locator(':scope > th, :scope > td').allInnerTexts()).map((t) => t.trim());
    expect(localCells).toEqual(['Listening on this computer', `Nothing listens on port ${port}`, expect.stringMatching(new RegExp(`^127\\.0\\.0\\.1:${port}`)), 'Changed']);
    await page.screenshot({ path: join(shots, '62-history-compare.png'), fullPage: true });
    await expectNoAxeViolations(page, 'history comparison');
    await page.getByRole('button', { name: 'Back to the history' }).click();

    // Clear, after a confirmation that counts what goes.
    await page.getByRole('button', { name: 'Clear history…' }).click();
    const confirm = page.getByRole('group', { name: /^Remove all 2 saved reports from this computer\?/ });
    await confirm.getByRole('button', { name: 'Remove 2 reports' }).click();
    await page.getByText('Removed 2 reports.').waitFor({ timeout: WAIT_MS });
    await page.getByText(/^No saved diagnosis yet\./).waitFor();
    expect(await savedFiles()).toEqual([]);
    await page.screenshot({ path: join(shots, '63-history-cleared.png'), fullPage: true });
  });
});
