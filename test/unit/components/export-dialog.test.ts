// @vitest-environment jsdom
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import ExportDialog from '../../../renderer/components/ExportDialog.svelte';
import { appContext } from '../../../renderer/state/context';
import { createHistory } from '../../../renderer/state/history';
import { createFleet } from '../../../renderer/state/fleet';
import { createKnownHosts } from '../../../renderer/state/known-hosts';
import { createProfiles } from '../../../renderer/state/profiles';
import { createWizard } from '../../../renderer/state/wizard';
import { maskSecret, replacedSentence } from '../../../renderer/lib/report-export';
import type { Report } from '../../../shared/common/schema/report';
import { FakeApi, finishedWizard, realReport, useDom } from './harness';
import { SHAREABLE, shareableReport } from '../../integration/shareable-report';
import { attempt } from '../tree/factories';

useDom();

// jsdom has no object URLs: these are kept in a table the test reads back, as a browser's blob store would.
const objectUrls = new Map<string, Blob>();
const native = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };
/** Every download the page started: the link's file name and what its URL held then. */
let downloads: { fileName: string; blob: Blob | undefined }[] = [];
beforeAll(() => {
  URL.createObjectURL = (blob: Blob) => {
    const url = `blob:portwise-test/${crypto.randomUUID()}`;
    objectUrls.set(url, blob);
    return url;
  };
  URL.revokeObjectURL = (url: string) => void objectUrls.delete(url);
});
afterAll(() => {
  URL.createObjectURL = native.create;
  URL.revokeObjectURL = native.revoke;
});
afterEach(() => {
  downloads = [];
  vi.restoreAllMocks();
});

function renderDialog(report: Report = shareableReport(), fake = new FakeApi()) {
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    downloads.push({ fileName: this.download, blob: objectUrls.get(this.href) });
  });
  render(ExportDialog, { props: { report }, context: appContext(createWizard(fake.api), createKnownHosts(fake.api), createProfiles(fake.api), createHistory(fake.api), createFleet(fake.api)) });
  return { fake, report };
}

async function openDialog(): Promise<HTMLElement> {
  await fireEvent.click(screen.getByRole('button', { name: 'Export report' }));
  return screen.getByRole('dialog', { name: 'Export the report' });
}

const previewRows = (dialog: HTMLElement) =>
  within(within(dialog).getByRole('region', { name: 'What will be replaced' }))
    .queryAllByRole('row')
    .slice(1)
    .map((row) => [...row.querySelectorAll('th, td')].map((c) => c.textContent?.trim()));

describe('ExportDialog', () => {
  it('is closed until asked for; opens with Markdown chosen and the focus on it', async () => {
    renderDialog();
    expect(screen.queryByRole('dialog')).toBeNull();
    const dialog = await openDialog();
    const markdown = within(dialog).getByRole('radio', { name: /^Markdown/ });
    expect((markdown as HTMLInputElement).checked).toBe(true);
    await waitFor(() => expect(document.activeElement).toBe(markdown));
    for (const name of ['HTML', 'PDF', 'JSON']) within(dialog).getByRole('radio', { name: new RegExp(`^${name}`) });
    for (const name of ['Host names', 'IP addresses', 'User names', 'File paths']) expect((within(dialog).getByRole('checkbox', { name }) as HTMLInputElement).checked).toBe(false);
  });

  it('the preview: the secret always, masked; what is ticked joins it, with its alias and count', async () => {
    renderDialog();
    const dialog = await openDialog();
    within(dialog).getByText('Secrets found: 1');
    expect(previewRows(dialog)).toEqual([['Secret', maskSecret(SHAREABLE.secret), '[redacted-secret-1]', '1']]);
    // Never the secret itself, anywhere on the page.
    expect(document.body.textContent).not.toContain(SHAREABLE.secret);

    await fireEvent.click(within(dialog).getByRole('checkbox', { name: 'Host names' }));
    await fireEvent.click(within(dialog).getByRole('checkbox', { name: 'IP addresses' }));
    const rows = previewRows(dialog);
    expect(rows).toContainEqual(['Host name', SHAREABLE.host, 'host-1.example.invalid', expect.stringMatching(/^\d+$/)]);
    expect(rows).toContainEqual(['IP address', SHAREABLE.address, '192.0.2.1', expect.stringMatching(/^\d+$/)]);
    expect(rows.some((r) => r[0] === 'User name' || r[0] === 'File path')).toBe(false);
    expect(document.body.textContent).not.toContain(SHAREABLE.secret);
  });

  it('nothing to replace: says so', async () => {
    renderDialog(realReport('127.0.0.1:5432', ['127.0.0.1'], 'refused'));
    const dialog = await openDialog();
    await fireEvent.click(within(dialog).getByRole('checkbox', { name: 'IP addresses' }));
    within(dialog).getByText('Secrets found: 0');
    within(dialog).getByText(/^Nothing else: the report holds nothing of what you chose to hide\.$/);
  });

  it('Export asks main for the chosen format and classes, and saves what main sent under its name', async () => {
    const fake = new FakeApi();
    fake.handlers.exportReport = async () => ({ ok: true, fileName: 'portwise-report-redacted-5432.html', mimeType: 'text/html; charset=utf-8', encoding: 'utf8', content: '<p>redacted</p>', replaced: { secret: 1, hosts: 2 } });
    const { report } = renderDialog(shareableReport(), fake);
    const dialog = await openDialog();
    await fireEvent.click(within(dialog).getByRole('radio', { name: /^HTML/ }));
    await fireEvent.click(within(dialog).getByRole('checkbox', { name: 'Host names' }));
    await fireEvent.click(within(dialog).getByRole('checkbox', { name: 'IP addresses' }));
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }));
    await within(dialog).findByText('Exported portwise-report-redacted-5432.html. 1 secret and 2 host names were replaced.');
    expect(fake.requests('exportReport')).toEqual([{ report, format: 'html', redact: ['hosts', 'ips'] }]);
    expect(downloads.map((d) => d.fileName)).toEqual(['portwise-report-redacted-5432.html']);
    expect(downloads[0]?.blob?.type).toBe('text/html; charset=utf-8');
    expect(await downloads[0]?.blob?.text()).toBe('<p>redacted</p>');
  });

  it('a PDF comes as base64 and is saved as its bytes', async () => {
    const fake = new FakeApi();
    const bytes = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0xff, 0x00]);
    fake.handlers.exportReport = async () => ({ ok: true, fileName: 'r.pdf', mimeType: 'application/pdf', encoding: 'base64', content: Buffer.from(bytes).toString('base64'), replaced: {} });
    renderDialog(shareableReport(), fake);
    const dialog = await openDialog();
    await fireEvent.click(within(dialog).getByRole('radio', { name: /^PDF/ }));
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }));
    await within(dialog).findByText(/^Exported r\.pdf\. Nothing needed replacing\.$/);
    expect(new Uint8Array(await downloads[0]!.blob!.arrayBuffer())).toEqual(bytes);
  });

  it("main's refusal, or a failed call, is a sentence; nothing is saved", async () => {
    const fake = new FakeApi();
    fake.handlers.exportReport = async () => ({ ok: false, message: 'There is no browser here to print a PDF with: export the report as .html.' });
    renderDialog(shareableReport(), fake);
    const dialog = await openDialog();
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('There is no browser here to print a PDF with: export the report as .html.');
    fake.handlers.exportReport = async () => {
      throw new Error("Error invoking remote method 'portwise:call:exportReport': Error: exportReport failed: internal error");
    };
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(within(dialog).getByRole('alert').textContent).toMatch(/^Portwise could not export the report: Error: Error invoking remote method/));
    expect(downloads).toEqual([]);
  });

  it('Escape closes it, and the focus goes back to the button', async () => {
    renderDialog();
    const dialog = await openDialog();
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Export report' })));
    // Open again: a fresh start, the last outcome gone.
    await openDialog();
    await fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});

describe('the wizard keeps the saved entry current, and the report whole', () => {
  it('the finished event names the entry; answers and verify-the-fix runs send it; a result joins the report', async () => {
    const report = realReport('db.example:5432', ['192.0.2.10'], 'refused');
    const fake = new FakeApi();
    const historyId = '20250101T000001000Z-0a1b2c3d';
    const { wizard, runId } = await finishedWizard(report, fake);
    // finishedWizard sent no id (an app that could not save): none is sent back.
    await wizard.verifyFix();
    expect(fake.requests('verifyFix')).toEqual([{ report }]);

    wizard.startOver();
    await wizard.start({ input: report.target.input, rounds: 3, timeoutMs: 3000, service: '', symptom: null, access: { kind: 'none' } });
    const second = wizard.store.getState().run?.runId ?? '';
    expect(second).not.toBe(runId);
    fake.emit(second, { type: 'finished', report, historyId });
    expect(wizard.store.getState().run?.historyId).toBe(historyId);

    const after = [attempt('192.0.2.10', 'connected', { ms: 0.6 })];
    const before = report.evidence.flatMap((e) => (e.facts.check === 'tcp-probe' ? e.facts.attempts : []));
    fake.handlers.verifyFix = async () => ({ ok: true, at: '2026-11-24T10:00:00.000Z', before, after, fixed: true });
    await wizard.verifyFix();
    expect(fake.requests('verifyFix').at(-1)).toEqual({ report, historyId });
    const verified = wizard.store.getState().run?.report;
    expect(verified?.verifications).toEqual([{ at: expect.any(String), before, after, fixed: true }]);

    await wizard.answer('T1', null);
    // The report sent is the one with the result, so the walked-again report keeps it.
    expect(fake.requests('answerDiagnosis').at(-1)).toEqual({ report: verified, answers: {}, historyId });
    expect(wizard.store.getState().run?.report?.verifications).toHaveLength(1);
  });

  it('replacedSentence counts by kind, in words', () => {
    expect(replacedSentence({})).toBe('Nothing needed replacing.');
    expect(replacedSentence({ secret: 1 })).toBe('1 secret was replaced.');
    expect(replacedSentence({ users: 1, ips: 3, paths: 2 })).toBe('3 IP addresses, 1 user name and 2 file paths were replaced.');
  });

  it('maskSecret never shows a secret whole', () => {
    expect(maskSecret('hunter2')).toBe('••••••• (7 characters)');
    expect(maskSecret(SHAREABLE.secret)).toBe(`hu••••••• (${SHAREABLE.secret.length} characters)`);
    expect(maskSecret(SHAREABLE.secret)).not.toContain(SHAREABLE.secret.slice(0, 3));
  });
});
