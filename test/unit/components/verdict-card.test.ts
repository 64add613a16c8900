// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import VerdictCard from '../../../renderer/components/VerdictCard.svelte';
import RunScreen from '../../../renderer/components/RunScreen.svelte';
import { Report } from '../../../shared/common/schema/report';
import type { VerifyState } from '../../../renderer/state/run';
import { hostKeyCheckCommand } from '../../../renderer/lib/host-key';
import { appContext } from '../../../renderer/state/context';
import { createHistory } from '../../../renderer/state/history';
import { createFleet } from '../../../renderer/state/fleet';
import { createKnownHosts } from '../../../renderer/state/known-hosts';
import { createProfiles } from '../../../renderer/state/profiles';
import { createWizard } from '../../../renderer/state/wizard';
import { attempt } from '../tree/factories';
import { FakeApi, finishedWizard, realReport, renderWithWizard, useDom } from './harness';

useDom();

const refused = () => realReport('db.example:5432', ['192.0.2.10', '2001:db8::10'], 'refused');

/** The app's context around the card (its export dialog talks to main through the wizard). */
function cardContext(fake = new FakeApi()) {
  return appContext(createWizard(fake.api), createKnownHosts(fake.api), createProfiles(fake.api), createHistory(fake.api), createFleet(fake.api));
}

function renderCard(report: Report, verify: VerifyState | null = null, fake = new FakeApi()) {
  const calls = { verify: 0, newDiagnosis: 0 };
  const result = render(VerdictCard, {
    props: { report, verify, onVerify: () => calls.verify++, onNewDiagnosis: () => calls.newDiagnosis++ },
    context: cardContext(fake),
  });
  return { calls, fake, ...result };
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
    fake.handlers.verifyFix = async () => ({ ok: true, at: '2026-11-24T10:00:00.000Z', before, after: [attempt('192.0.2.10', 'connected'), attempt('2001:db8::10', 'connected')], fixed: true });
    const { wizard } = await finishedWizard(report, fake);
    renderWithWizard(RunScreen, wizard);
    await fireEvent.click(screen.getByRole('button', { name: 'Verify the fix' }));
    await screen.findByText('Fixed: every address connects now');
    expect(fake.requests('verifyFix')).toEqual([{ report }]);
  });
});

describe('VerdictCard: export', () => {
  it('"Export report" is a button that opens the export dialog for this report', async () => {
    const report = refused();
    const { fake } = renderCard(report);
    expect(screen.queryByRole('link', { name: 'Export report' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Export report' }));
    const dialog = screen.getByRole('dialog', { name: 'Export the report' });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(fake.requests('exportReport')).toEqual([{ report, format: 'md', redact: [] }]));
  });
});

describe('VerdictCard: SSH failures', () => {
  const presented = 'SHA256:NEWnewNEWnewNEWnewNEWnewNEWnewNEWnewNEWnew0';
  const pinned = 'SHA256:OLDoldOLDoldOLDoldOLDoldOLDoldOLDoldOLDold0';
  // The engine's wording (shared/node/ssh/host-verifier.ts, hostKeyError 'changed').
  const changedMessage =
    `target host 2 of 2, alice@db.example:22: the host key has CHANGED. The server presented ssh-ed25519 ${presented}, but the known key is ` +
    `${pinned} (/home/alice/.ssh/known_hosts line 7). Someone may be intercepting the connection, or the host was reinstalled. ` +
    'Portwise refuses to connect; check the new fingerprint with the host owner, then remove the old entry to trust it.';
  const bastion = { index: 1, total: 2, user: 'me', host: 'bastion', port: 22, role: 'jump' as const };
  const db = { index: 2, total: 2, user: 'alice', host: 'db.example', port: 22, role: 'target' as const };
  type Failure = NonNullable<Report['sshFailure']>;
  const changed: Failure = {
    kind: 'host-key-changed',
    message: changedMessage,
    hop: 2,
    failedHop: db,
    chain: [
      { hop: bastion, status: 'ok' },
      { hop: db, status: 'failed' },
    ],
    presented: { keyType: 'ssh-ed25519', fingerprint: presented },
    known: [{ keyType: 'ssh-ed25519', fingerprint: pinned, file: '/home/alice/.ssh/known_hosts', line: 7 }],
    methodsTried: [],
    serverMethods: null,
    keyPath: null,
  };
  const notice = () => screen.getByRole('alert');
  const chainItems = (within_: HTMLElement) =>
    within(within(within_).getByRole('list', { name: 'The login, hop by hop' }))
      .getAllByRole('listitem')
      .map((li) => li.textContent?.replace(/\s+/g, ' ').trim());

  it('a changed host key is a distinct danger notice with both fingerprints, read from the fields', () => {
    renderCard({ ...refused(), sshFailure: changed });
    const alert = notice();
    within(alert).getByRole('heading', { name: "The server's host key has changed" });
    expect(within(alert).getByText(`ssh-ed25519 ${presented}`).tagName).toBe('CODE');
    expect(within(alert).getByText(`ssh-ed25519 ${pinned}`).tagName).toBe('CODE');
    within(alert).getByText('in /home/alice/.ssh/known_hosts, line 7', { exact: false });
    expect(alert.textContent).toMatch(/At target host 2 of 2, alice@db\.example:22, the server presented/);
    expect(alert.textContent).toMatch(/a changed key is never trusted during a diagnosis/);
    // Without the key itself (or a way to act), there is nothing to re-pin.
    expect(within(alert).queryByText('The change is expected: trust the new key')).toBeNull();
    expect(chainItems(alert)).toEqual(['bastion: ok', '→ db.example: failed (host key changed)']);
    // The message is the technical detail, folded.
    const summary = within(alert).getByText('The message from the SSH layer');
    expect(summary.tagName).toBe('SUMMARY');
    expect(summary.closest('details')?.textContent).toContain(changedMessage);
  });

  it('re-pin: only after the person ticks that they compared the fingerprint on the server; the outcome is said', async () => {
    const withKey: Failure = { ...changed, presented: { keyType: 'ssh-ed25519', fingerprint: presented, key: 'AAAAC3NzaC1lZDI1NTE5AAAAIP5WmWS9Jd12sKmrH4VFZ0peJGXHPGlw42Ip243HyIcz' } };
    let repins = 0;
    const props = { report: { ...refused(), sshFailure: withKey }, verify: null, onVerify: () => undefined, onNewDiagnosis: () => undefined, onRepin: () => void repins++ };
    const { rerender } = render(VerdictCard, { props: { ...props, repin: null }, context: cardContext() });
    const details = within(notice()).getByText('The change is expected: trust the new key').closest('details')!;
    expect(details.textContent).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    expect(details.textContent).toContain(presented);
    const button = within(details).getByRole('button', { name: 'Replace the pinned key' });
    expect((button as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(within(details).getByRole('checkbox', { name: /I compared the new fingerprint on the server itself/ }));
    expect((button as HTMLButtonElement).disabled).toBe(false);
    await fireEvent.click(button);
    expect(repins).toBe(1);

    const stale = { file: '/home/alice/.ssh/known_hosts', line: 7, fingerprint: pinned, command: "ssh-keygen -R 'db.example' -f '/home/alice/.ssh/known_hosts'" };
    await rerender({ ...props, repin: { status: 'done', fingerprint: presented, staleElsewhere: [stale] } });
    const status = within(details).getByRole('status', { name: 'Re-pin result' });
    expect(status.textContent).toContain(`The new key (${presented}) is now pinned in Portwise's own known-hosts file.`);
    expect(within(status).getByText(stale.command).tagName).toBe('CODE');
    expect((within(details).getByRole('button', { name: 'Replace the pinned key' }) as HTMLButtonElement).disabled).toBe(true);

    await rerender({ ...props, repin: { status: 'failed', message: 'The keys on record changed since you confirmed.' } });
    expect(within(details).getByRole('status', { name: 'Re-pin result' }).textContent).toContain('The keys on record changed since you confirmed.');
  });

  it('the fingerprints come from the fields, never from the message', () => {
    const other = 'SHA256:FIELDfieldFIELDfieldFIELDfieldFIELDfield000';
    renderCard({ ...refused(), sshFailure: { ...changed, presented: { keyType: 'ecdsa-sha2-nistp256', fingerprint: other } } });
    within(notice()).getByText(`ecdsa-sha2-nistp256 ${other}`);
    // The message's own fingerprint is only in the folded message, in no fingerprint cell.
    expect(within(notice()).queryByText(`ssh-ed25519 ${presented}`)).toBeNull();
  });

  it('a report written before the fields existed still shows the notice, and says what it does not record', () => {
    const old = { kind: 'host-key-changed', message: changedMessage, hop: 2 };
    renderCard({ ...refused(), sshFailure: Report.shape.sshFailure.parse(old) });
    const alert = notice();
    within(alert).getByRole('heading', { name: "The server's host key has changed" });
    expect(within(alert).getAllByText('not recorded in this report')).toHaveLength(2);
    expect(alert.querySelectorAll('code.fingerprint')).toHaveLength(0);
    expect(alert.textContent).toMatch(/^\s*✕ The server's host key has changed\s*The server presented/);
    expect(within(alert).queryByRole('list', { name: 'The login, hop by hop' })).toBeNull();
  });

  it('one hop: no hop-by-hop list', () => {
    const single = { ...db, index: 1, total: 1 };
    renderCard({ ...refused(), sshFailure: { ...changed, hop: 1, failedHop: single, chain: [{ hop: single, status: 'failed' }] } });
    expect(within(notice()).queryByRole('list', { name: 'The login, hop by hop' })).toBeNull();
    expect(notice().textContent).toMatch(/At target host alice@db\.example:22, the server/);
  });

  it('a revoked key: the key presented and the entry that revokes it', () => {
    renderCard({
      ...refused(),
      sshFailure: {
        ...changed,
        kind: 'host-key-revoked',
        message: `target host 2 of 2, alice@db.example:22: the host key ssh-ed25519 ${presented} is marked @revoked in /etc/ssh/ssh_known_hosts line 3; Portwise refuses to connect.`,
        known: [{ keyType: 'ssh-ed25519', fingerprint: presented, file: '/etc/ssh/ssh_known_hosts', line: 3 }],
      },
    });
    const alert = notice();
    within(alert).getByRole('heading', { name: "The server's host key is revoked" });
    expect(within(alert).getByText(`ssh-ed25519 ${presented}`).tagName).toBe('CODE');
    within(alert).getByText('/etc/ssh/ssh_known_hosts, line 3');
    expect(chainItems(alert)).toEqual(['bastion: ok', '→ db.example: failed (host key revoked)']);
    expect(within(alert).getByText('The message from the SSH layer').tagName).toBe('SUMMARY');
  });

  it('another SSH failure is a plain warning, not the danger notice', () => {
    renderCard({ ...refused(), sshFailure: { kind: 'auth-failed', message: 'target host alice@db.example:22: authentication failed.', hop: 1 } });
    screen.getByRole('heading', { name: 'Portwise could not log in to the server' });
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByText("The server's host key has changed")).toBeNull();
  });

  it('an authentication failure: what was tried and what the server offers, and where the chain stopped', () => {
    const jump = { ...bastion, total: 3 };
    const middle = { index: 2, total: 3, user: 'me', host: 'middle', port: 2222, role: 'jump' as const };
    const target = { ...db, index: 3, total: 3 };
    renderCard({
      ...refused(),
      sshFailure: {
        kind: 'auth-failed',
        message: 'jump host 2 of 3, me@middle:2222: authentication failed. Tried: agent, publickey /home/me/.ssh/id_ed25519. The server accepts: publickey.',
        hop: 2,
        failedHop: middle,
        chain: [
          { hop: jump, status: 'ok' },
          { hop: middle, status: 'failed' },
          { hop: target, status: 'not-reached' },
        ],
        presented: null,
        known: [],
        methodsTried: ['agent', 'publickey /home/me/.ssh/id_ed25519'],
        serverMethods: ['publickey', 'keyboard-interactive'],
        keyPath: null,
      },
    });
    const region = screen.getByRole('heading', { name: 'Portwise could not log in to the server' }).parentElement!;
    expect(chainItems(region)).toEqual(['bastion: ok', '→ middle:2222: failed (login refused)', '→ db.example: not reached']);
    const terms = within(region).getAllByRole('term').map((t) => t.textContent);
    const values = within(region).getAllByRole('definition').map((d) => d.textContent?.trim());
    expect(terms).toEqual(['Tried', 'The server offers']);
    expect(values).toEqual(['agent, publickey /home/me/.ssh/id_ed25519', 'publickey, keyboard-interactive']);
  });

  it('an authentication failure before the server named its methods says so', () => {
    renderCard({ ...refused(), sshFailure: { kind: 'auth-failed', message: 'x', hop: 1, methodsTried: [], serverMethods: null } });
    const values = screen.getAllByRole('definition').map((d) => d.textContent?.trim());
    expect(values).toEqual(['nothing was offered to the server', 'not known (it never said)']);
  });

  it('an unreadable identity file: its path', () => {
    renderCard({
      ...refused(),
      sshFailure: { kind: 'key-unreadable', message: 'target host alice@db.example:22: cannot read the identity file /k/id (EACCES).', hop: 1, keyPath: '/k/id' },
    });
    expect(screen.getByText('/k/id').tagName).toBe('CODE');
    expect(screen.getByRole('term').textContent).toBe('Identity file');
  });

  it('names the host key file to check for each key type', () => {
    expect(hostKeyCheckCommand('ssh-ed25519')).toBe('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    expect(hostKeyCheckCommand('ecdsa-sha2-nistp256')).toBe('ssh-keygen -lf /etc/ssh/ssh_host_ecdsa_key.pub');
    expect(hostKeyCheckCommand('rsa-sha2-512')).toBe('ssh-keygen -lf /etc/ssh/ssh_host_rsa_key.pub');
    expect(hostKeyCheckCommand('ssh-dss')).toMatch(/ssh_host_\*_key\.pub/);
  });
});
