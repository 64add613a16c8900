// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import HistoryScreen from '../../../renderer/components/HistoryScreen.svelte';
import type { HistoryEntry } from '../../../shared/common/ipc';
import type { Report } from '../../../shared/common/schema/report';
import { formatTarget } from '../../../shared/common/schema/target';
import { createWizard } from '../../../renderer/state/wizard';
import { FakeApi, realReport, renderWithWizard, useDom } from './harness';

/**
 * The History screen on a fake `window.portwise` whose saved reports are real ones (walked by the
 * real tree): the list newest first, the filter, a report opened read-only, two runs of one target
 * compared, and clearing after a confirmation that says how many go.
 */

useDom();

/** A saved report at a given time, and its list entry as main would make it. */
function saved(id: string, report: Report, finishedAt: string): { entry: HistoryEntry; report: Report } {
  const r = { ...report, finishedAt };
  return {
    report: r,
    entry: { id, target: formatTarget(r.target), input: r.target.input, finishedAt, outcome: r.outcome, cause: r.diagnosis.cause, title: r.diagnosis.title, confidence: r.diagnosis.confidence },
  };
}

const before = saved('20261124T150000000Z-0000000a', realReport('db.example.com:5432', ['198.18.0.5'], 'refused'), '2026-11-24T15:00:00.000Z');
const after = saved('20261124T160000000Z-0000000b', realReport('db.example.com:5432', ['198.18.0.5'], 'connected'), '2026-11-24T16:00:00.000Z');
const other = saved('20261124T170000000Z-0000000c', realReport('web.example.com:443', ['198.18.0.7'], 'timeout'), '2026-11-24T17:00:00.000Z');

/** The screen on a fake API that keeps `runs` (newest first, as main lists them) until cleared. */
async function renderHistory(runs = [other, after, before], notices: string[] = []) {
  const fake = new FakeApi();
  let kept = [...runs];
  fake.handlers.listHistory = async () => ({ ok: true, entries: kept.map((r) => r.entry), notices });
  fake.handlers.getHistoryReport = async ({ id }) => {
    const found = kept.find((r) => r.entry.id === id);
    return found ? { ok: true, report: found.report } : { ok: false, error: { code: 'not-found', message: 'That report is no longer in the history.' } };
  };
  fake.handlers.clearHistory = async () => {
    const removed = kept.length;
    kept = [];
    return { ok: true, removed };
  };
  renderWithWizard(HistoryScreen, createWizard(fake.api), fake.api);
  await screen.findByRole('heading', { level: 1, name: 'History' });
  return fake;
}

const table = () => screen.getByRole('table', { name: 'Saved diagnoses, newest first' });
const bodyRows = () => within(table()).getAllByRole('row').slice(1);
const cells = (row: HTMLElement) => within(row).getAllByRole('cell').concat(within(row).getAllByRole('rowheader'));
const tick = (target: string, outcome: string) => screen.getByRole('checkbox', { name: new RegExp(`^Compare ${target.replace(/\./g, '\\.')}, ${outcome},`) });

describe('the History screen', () => {
  it('lists the saved runs newest first: target, when, outcome, verdict and confidence', async () => {
    await renderHistory();
    await waitFor(() => expect(bodyRows()).toHaveLength(3));
    expect(bodyRows().map((r) => within(r).getByRole('rowheader').textContent?.trim())).toEqual(['web.example.com:443', 'db.example.com:5432', 'db.example.com:5432']);
    const [, newer] = bodyRows();
    const text = newer!.textContent ?? '';
    expect(text).toContain('Connected');
    expect(text).toContain(after.report.diagnosis.title);
    expect(text).toMatch(/(High|Medium|Low) confidence/);
    expect(newer!.querySelector('time')?.getAttribute('datetime')).toBe('2026-11-24T16:00:00.000Z');
    expect(cells(newer!)).toHaveLength(7);
    expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1, name: 'History' }));
  });

  it('says when nothing is saved, and shows what main had to move aside', async () => {
    await renderHistory([], ['A damaged report (20261124T150000000Z-deadbeef.json) was moved aside to history/damaged/.']);
    await screen.findByText(/No saved diagnosis yet\./);
    expect(screen.getByText(/A damaged report .* was moved aside/).getAttribute('role')).toBe('status');
    expect(screen.queryByRole('button', { name: 'Clear history…' })).toBeNull();
  });

  it('filters by target text', async () => {
    await renderHistory();
    await waitFor(() => expect(bodyRows()).toHaveLength(3));
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Filter by target' }), { target: { value: 'DB.EXAMPLE' } });
    await waitFor(() => expect(bodyRows()).toHaveLength(2));
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Filter by target' }), { target: { value: 'mail' } });
    await screen.findByText('None of the 3 saved diagnoses is of a target matching "mail".');
  });

  it('opens a report read-only: the verdict, the path, the evidence; Back returns to its row', async () => {
    const fake = await renderHistory();
    await waitFor(() => expect(bodyRows()).toHaveLength(3));
    const open = within(bodyRows()[2]!).getByRole('button', { name: /^Open db\.example\.com:5432, refused,/ });
    await fireEvent.click(open);
    expect(fake.requests('getHistoryReport')).toEqual([{ id: before.entry.id }]);
    const heading = await screen.findByRole('heading', { level: 1, name: 'db.example.com:5432' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    screen.getByRole('heading', { level: 2, name: before.report.diagnosis.title });
    const path = screen.getByRole('region', { name: 'Decision path' });
    expect(within(path).getAllByRole('listitem')).toHaveLength(before.report.path.length);
    // Read-only: no override or withdraw control on a saved report.
    expect(within(path).queryByRole('button')).toBeNull();
    screen.getByRole('region', { name: 'Evidence' });
    // Exported again from the saved report itself (the fake refuses, which the dialog says).
    await fireEvent.click(screen.getByRole('button', { name: 'Export report' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(fake.requests('exportReport')).toEqual([{ report: before.report, format: 'md', redact: [] }]));
    await screen.findByText('No export was scripted.');
    await fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    // The list is out of the way (hidden), not gone.
    expect(screen.queryByRole('heading', { level: 1, name: 'History' })).toBeNull();

    await fireEvent.click(screen.getByRole('button', { name: 'Back to the history' }));
    await waitFor(() => expect(document.activeElement).toBe(within(bodyRows()[2]!).getByRole('button', { name: /^Open / })));
  });

  it('a report that cannot be read says why', async () => {
    const fake = await renderHistory();
    fake.handlers.getHistoryReport = async () => ({ ok: false, error: { code: 'unreadable', message: 'The saved report is damaged and was moved aside.' } });
    await waitFor(() => expect(bodyRows()).toHaveLength(3));
    await fireEvent.click(within(bodyRows()[0]!).getByRole('button', { name: /^Open / }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The saved report is damaged and was moved aside.');
  });

  it('compares exactly two runs of one target, the older on the left, changed rows said in words', async () => {
    const fake = await renderHistory();
    await waitFor(() => expect(bodyRows()).toHaveLength(3));
    const compare = screen.getByRole('button', { name: 'Compare' });
    expect((compare as HTMLButtonElement).disabled).toBe(true);
    expect(compare.getAttribute('aria-describedby')).toBe('history-compare-hint');
    expect(document.getElementById('history-compare-hint')?.textContent).toBe('Tick two runs of the same target to compare them.');

    await fireEvent.click(tick('web.example.com:443', 'timed out'));
    await fireEvent.click(tick('db.example.com:5432', 'connected'));
    expect(document.getElementById('history-compare-hint')?.textContent).toMatch(/^The two runs are of different targets/);
    expect((compare as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(tick('web.example.com:443', 'timed out'));
    // Ticked newest first: the view still puts the older run on the left.
    await fireEvent.click(tick('db.example.com:5432', 'refused'));
    expect((compare as HTMLButtonElement).disabled).toBe(false);

    await fireEvent.click(compare);
    expect(fake.requests('getHistoryReport').map((r) => r.id).sort()).toEqual([before.entry.id, after.entry.id]);
    await screen.findByRole('heading', { level: 1, name: 'db.example.com:5432' });
    const verdict = screen.getByRole('table', { name: 'Verdict' });
    const headers = within(verdict).getAllByRole('columnheader').map((h) => h.textContent?.replace(/\s+/g, ' ').trim());
    expect(headers[1]).toMatch(/^Older run finished/);
    expect(headers[2]).toMatch(/^Newer run finished/);
    const outcome = within(verdict).getByRole('rowheader', { name: 'Outcome' }).closest('tr')!;
    expect([...outcome.children].map((c) => c.textContent?.trim())).toEqual(['Outcome', 'Refused', 'Connected', 'Changed']);
    expect(outcome.className).toContain('changed');
    const address = within(screen.getByRole('table', { name: 'Addresses probed' })).getByRole('rowheader', { name: '198.18.0.5:5432' }).closest('tr')!;
    expect([...address.children].map((c) => c.textContent?.trim())).toEqual(['198.18.0.5:5432', 'Refused ×3', 'Connected ×3', 'Changed']);
    screen.getByRole('table', { name: 'Decision path' });
    expect(screen.getByText(/^The two walks part at step \d+\.$/)).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'Back to the history' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Compare' })));
  });

  it('clears only after a confirmation that says how many reports go', async () => {
    const fake = await renderHistory();
    await waitFor(() => expect(bodyRows()).toHaveLength(3));
    await fireEvent.click(screen.getByRole('button', { name: 'Clear history…' }));
    const confirm = screen.getByRole('group', { name: /^Remove all 3 saved reports from this computer\?/ });
    expect(document.activeElement).toBe(within(confirm).getByRole('button', { name: 'Remove 3 reports' }));
    await fireEvent.click(within(confirm).getByRole('button', { name: 'Keep them' }));
    expect(fake.requests('clearHistory')).toEqual([]);
    expect(bodyRows()).toHaveLength(3);

    await fireEvent.click(screen.getByRole('button', { name: 'Clear history…' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove 3 reports' }));
    expect(fake.requests('clearHistory')).toHaveLength(1);
    await screen.findByText('Removed 3 reports.');
    await screen.findByText(/No saved diagnosis yet\./);
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('lists again when a diagnosis still running behind the screen finishes', async () => {
    const fake = new FakeApi();
    let runs = [before];
    fake.handlers.listHistory = async () => ({ ok: true, entries: runs.map((r) => r.entry), notices: [] });
    const wizard = createWizard(fake.api);
    await wizard.start({ input: 'db.example.com:5432', rounds: 3, timeoutMs: 3000, service: '', symptom: null, access: { kind: 'none' } });
    renderWithWizard(HistoryScreen, wizard, fake.api);
    await waitFor(() => expect(bodyRows()).toHaveLength(1));
    runs = [after, before];
    fake.emit(wizard.store.getState().run!.runId, { type: 'finished', report: after.report, historyId: after.entry.id });
    await waitFor(() => expect(bodyRows()).toHaveLength(2));
    expect(fake.requests('listHistory')).toHaveLength(2);
  });

  it("main's refusal to list is shown as an error", async () => {
    const fake = new FakeApi();
    fake.handlers.listHistory = async () => ({ ok: false, message: 'The history folder cannot be read: permission denied.' });
    renderWithWizard(HistoryScreen, createWizard(fake.api), fake.api);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The history could not be read');
    expect(alert.textContent).toContain('permission denied');
  });
});
