// @vitest-environment jsdom
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import VerdictCard from '../../../renderer/components/VerdictCard.svelte';
import RunScreen from '../../../renderer/components/RunScreen.svelte';
import type { Report } from '../../../shared/common/schema/report';
import type { VerifyState } from '../../../renderer/state/run';
import { changedHostKey, hostKeyCheckCommand } from '../../../renderer/lib/host-key';
import { reportFileName } from '../../../renderer/lib/report-export';
import { attempt } from '../tree/factories';
import { FakeApi, finishedWizard, realReport, renderWithWizard, useDom } from './harness';

useDom();

// jsdom has no object URLs, and the ones vitest leaves (Node's) cannot read a jsdom Blob: this gives
// the page real ones, kept in a table the test can read back, as a browser's blob store would.
const objectUrls = new Map<string, Blob>();
const native = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };
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
const resolveObjectURL = (url: string) => objectUrls.get(url);

const refused = () => realReport('db.example:5432', ['192.0.2.10', '2001:db8::10'], 'refused');

function renderCard(report: Report, verify: VerifyState | null = null) {
  const calls = { verify: 0, newDiagnosis: 0 };
  const result = render(VerdictCard, {
    props: { report, verify, onVerify: () => calls.verify++, onNewDiagnosis: () => calls.newDiagnosis++ },
  });
  return { calls, ...result };
}

const before = [
  ...[1, 2, 3].map((round) => attempt('192.0.2.10', 'refused', { round, ms: 0.4 })),
  ...[1, 2, 3].map((round) => attempt('2001:db8::10', 'refused', { round, ms: 0.5 })),
];

describe('VerdictCard: verify the fix', () => {
  it('the button asks for a new probe; while it runs it is busy', async () => {
    const { calls, rerender } = renderCard(refused());
    await fireEvent.click(screen.getByRole('button', { name: 'Verify the fix' }));
    expect(calls.verify).toBe(1);
    await rerender({ verify: { status: 'running' } });
    const busy = screen.getByRole('button', { name: 'Probing again…' });
    expect(busy).toHaveProperty('disabled', true);
  });

  it('every address connects now: "Fixed", with before and after per address', () => {
    const after = [attempt('192.0.2.10', 'connected', { ms: 0.7 }), attempt('2001:db8::10', 'connected', { ms: 0.8 })];
    renderCard(refused(), { status: 'done', before, after, fixed: true, at: '2025-01-01T10:00:00.000Z' });
    expect(screen.getByText('Fixed: every address connects now').closest('[role="status"]')).not.toBeNull();
    const table = screen.getByRole('table');
    const row = within(table).getByRole('rowheader', { name: '192.0.2.10' }).closest('tr')!;
    const cells = within(row).getAllByRole('cell').map((c) => c.textContent?.replace(/\s+/g, ' ').trim());
    expect(cells).toEqual(['✕ Refused 3 rounds · last 0.4 ms · ECONNREFUSED', '✓ Connected 0.7 ms']);
    within(table).getByRole('rowheader', { name: '2001:db8::10' });
    screen.getByRole('button', { name: 'Verify the fix again' });
  });

  it('an address still refused: "Still failing"', () => {
    const after = [attempt('192.0.2.10', 'connected', { ms: 0.7 }), attempt('2001:db8::10', 'refused', { ms: 0.3 })];
    renderCard(refused(), { status: 'done', before, after, fixed: false, at: '2025-01-01T10:00:00.000Z' });
    screen.getByText('Still failing');
    expect(screen.queryByText(/^Fixed/)).toBeNull();
  });

  it("main's refusal is a sentence with the detail folded", () => {
    renderCard(refused(), { status: 'failed', error: { message: 'This report has no probed addresses to try again.', detail: 'nothing-to-verify' } });
    const alert = screen.getByRole('alert');
    within(alert).getByText('Could not probe again', { exact: false });
    within(alert).getByText('This report has no probed addresses to try again.');
    expect(within(alert).getByText('Technical details').tagName).toBe('SUMMARY');
  });

  it('through the run screen: the store calls verifyFix with the report and shows what main answered', async () => {
    const report = refused();
    const fake = new FakeApi();
    fake.handlers.verifyFix = async () => ({ ok: true, before, after: [attempt('192.0.2.10', 'connected'), attempt('2001:db8::10', 'connected')], fixed: true });
    const { wizard } = await finishedWizard(report, fake);
    renderWithWizard(RunScreen, wizard);
    await fireEvent.click(screen.getByRole('button', { name: 'Verify the fix' }));
    await screen.findByText('Fixed: every address connects now');
    expect(fake.requests('verifyFix')).toEqual([{ report }]);
  });
});

describe('VerdictCard: export', () => {
  it('is a download link named after the target, whose file is the report JSON', async () => {
    const report = refused();
    renderCard(report);
    const link = screen.getByRole('link', { name: 'Export report' }) as HTMLAnchorElement;
    expect(link.getAttribute('download')).toBe('portwise-report-db.example-5432.json');
    expect(link.href).toMatch(/^blob:/);
    const blob = resolveObjectURL(link.href);
    expect(blob?.type).toBe('application/json');
    expect(JSON.parse(await blob!.text())).toEqual(report);
  });

  it('the file name is safe for any host', () => {
    const named = (host: string, port: number) => reportFileName({ target: { host, port, hostKind: 'name', input: '' } });
    expect(named('2001:db8::10', 443)).toBe('portwise-report-2001_db8_10-443.json');
    expect(named('..', 1)).toBe('portwise-report-_-1.json');
  });

  it('a revised report makes a new file and frees the old one', async () => {
    const report = refused();
    const { rerender } = renderCard(report);
    const href = () => screen.getByRole('link', { name: 'Export report' }).getAttribute('href') ?? '';
    const first = href();
    await rerender({ report: { ...report, answers: { T1: { choice: 'x' } } } });
    const second = href();
    expect(second).not.toBe(first);
    await waitFor(() => expect(resolveObjectURL(first)).toBeUndefined());
    expect(JSON.parse(await resolveObjectURL(second)!.text()).answers).toEqual({ T1: { choice: 'x' } });
  });
});

describe('VerdictCard: SSH failures', () => {
  const presented = 'SHA256:NEWnewNEWnewNEWnewNEWnewNEWnewNEWnewNEWnew0';
  const pinned = 'SHA256:OLDoldOLDoldOLDoldOLDoldOLDoldOLDoldOLDold0';
  // The engine's wording (shared/node/ssh/host-verifier.ts, hostKeyError 'changed').
  const changedMessage =
    `target host alice@db.example:22: the host key has CHANGED. The server presented ssh-ed25519 ${presented}, but the known key is ` +
    `${pinned} (/home/alice/.ssh/known_hosts line 7). Someone may be intercepting the connection, or the host was reinstalled. ` +
    'Portwise refuses to connect; check the new fingerprint with the host owner, then remove the old entry to trust it.';

  it('a changed host key is a distinct danger notice with both fingerprints', () => {
    renderCard({ ...refused(), sshFailure: { kind: 'host-key-changed', message: changedMessage, hop: 1 } });
    const alert = screen.getByRole('alert');
    within(alert).getByRole('heading', { name: "The server's host key has changed" });
    expect(within(alert).getByText(`ssh-ed25519 ${presented}`).tagName).toBe('CODE');
    expect(within(alert).getByText(pinned).tagName).toBe('CODE');
    within(alert).getByText('in /home/alice/.ssh/known_hosts, line 7', { exact: false });
    expect(alert.textContent).toMatch(/never offers to trust a changed key/);
  });

  it('another SSH failure is a plain warning, not the danger notice', () => {
    renderCard({ ...refused(), sshFailure: { kind: 'auth-failed', message: 'target host alice@db.example:22: authentication failed.', hop: 1 } });
    screen.getByRole('heading', { name: 'Portwise could not log in to the server' });
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByText("The server's host key has changed")).toBeNull();
  });

  it('reads both fingerprints from the message, several pinned keys too, and any wording as a fallback', () => {
    expect(changedHostKey(changedMessage)).toEqual({
      hop: 'target host alice@db.example:22',
      presented: { keyType: 'ssh-ed25519', fingerprint: presented },
      known: [{ fingerprint: pinned, file: '/home/alice/.ssh/known_hosts', line: 7 }],
    });
    const two = changedMessage.replace(`(/home/alice/.ssh/known_hosts line 7)`, '(/a line 1), SHA256:abc (/b c line 2)');
    expect(changedHostKey(two).known).toEqual([
      { fingerprint: pinned, file: '/a', line: 1 },
      { fingerprint: 'SHA256:abc', file: '/b c', line: 2 },
    ]);
    expect(changedHostKey(`x: key ${presented} is not ${pinned}`)).toEqual({
      hop: null,
      presented: { keyType: null, fingerprint: presented },
      known: [{ fingerprint: pinned, file: null, line: null }],
    });
  });

  it('names the host key file to check for each key type', () => {
    expect(hostKeyCheckCommand('ssh-ed25519')).toBe('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    expect(hostKeyCheckCommand('ecdsa-sha2-nistp256')).toBe('ssh-keygen -lf /etc/ssh/ssh_host_ecdsa_key.pub');
    expect(hostKeyCheckCommand('rsa-sha2-512')).toBe('ssh-keygen -lf /etc/ssh/ssh_host_rsa_key.pub');
    expect(hostKeyCheckCommand('ssh-dss')).toMatch(/ssh_host_\*_key\.pub/);
  });
});
