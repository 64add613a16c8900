import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { events } from '../../../shared/common/ipc';
import type { Report } from '../../../shared/common/schema/report';
import { createHandlerTable } from '../../../shared/node/handlers';
import { RunPage, TargetFormPage } from '../../e2e/harness/wizard-pages';
import { screenshotDir, startWizardSession, type WizardSession } from '../../e2e/harness/wizard-session';
import { NS_V4, type Lab } from '../harness/netns';
import { startNamespacedSshd, type NamespacedSshd } from '../harness/netns-sshd';
import { generateKey, PASSPHRASE, startAgent, type Agent, type KeyPair } from '../harness/sshd';
import { createSafeStorageCipher } from '../../../electron/main/safe-storage-cipher';
import { SecretStore, type SecretCipher } from '../../../shared/node/store/secret-store';
import { fakeKeyring } from '../../shared/fake-keyring';
import { useLab } from '../harness/suite';

/**
 * The wizard in Chromium, driven like a person would, against the netns lab: a real sshd in the
 * namespace, real listeners and kernel firewall rules there, and the REAL handler table and engine
 * behind `window.portwise`. Each step is saved as a screenshot in both themes.
 */

const LOOPBACK_ONLY = 5432;
const REJECTED = 8081;
const DROPPED = 8083;
const shots = join(screenshotDir, 'lab');
/** A diagnosis over SSH runs a few dozen commands; this server's login shell is slow (about 1.5 s per exec). */
// Generous: a slow or busy machine must not fail a correctness test (speed lives in the benchmarks).
const LAB_WAIT_MS = 180_000;

/** As OpenSSH prints it: `SHA256:` and the unpadded base64 of the key blob's digest. */
const fingerprintOf = (key: { blob: Buffer }) => `SHA256:${createHash('sha256').update(key.blob).digest('base64').replace(/=+$/, '')}`;

const lab = useLab(async (l) => {
  await l.startListener({ address: '127.0.0.1', port: LOOPBACK_ONLY, mode: 'accept' });
  await l.startListener({ address: '0.0.0.0', port: REJECTED, mode: 'accept' });
  await l.startListener({ address: '0.0.0.0', port: DROPPED, mode: 'accept' });
  await l.exec(['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', String(REJECTED), '-j', 'REJECT', '--reject-with', 'tcp-reset']);
  await l.exec(['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', String(DROPPED), '-j', 'DROP']);
});

let sshd: NamespacedSshd;
let agent: Agent;
let home: string;
let session: WizardSession;
let page: Page;
let problems: string[];
let setupError: unknown;
let lockedKey: KeyPair;
let secretCipher: SecretCipher;
let engineEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  try {
    const l: Lab = lab();
    home = await mkdtemp(join(tmpdir(), 'portwise-wizard-home-'));
    // A key protected by a passphrase, outside the agent: the saved-profile scenario remembers its passphrase.
    lockedKey = await generateKey(home, 'locked_ed25519', 'ed25519', PASSPHRASE);
    sshd = await startNamespacedSshd(l, { address: NS_V4, extraAuthorizedKeys: [lockedKey.publicLine] });
    agent = await startAgent(home, [sshd.clientKey]);
    await mkdir(shots, { recursive: true });
    // The engine's environment: a private HOME (its ~/.ssh/known_hosts is set per test), Portwise's
    // own data dir, and an agent holding the lab's client key. Nothing of the real user is read.
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, USER: 'root', PORTWISE_HOME: join(home, 'portwise'), SSH_AUTH_SOCK: agent.socket, LANG: 'C' };
    engineEnv = env;
    // Electron's safeStorage is the one part replaced: the secret store and its cipher adapter are the app's own.
    secretCipher = createSafeStorageCipher(fakeKeyring(), 'linux');
    session = await startWizardSession((sink) => createHandlerTable({ sink, appInfo: { name: 'Portwise', version: '0.0.0-lab', platform: process.platform }, env, secretCipher }));
  } catch (error) {
    setupError = error;
  }
}, 120_000);

afterAll(async () => {
  await session?.close();
  await agent?.stop();
  await sshd?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

beforeEach(async () => {
  if (setupError) throw setupError instanceof Error ? setupError : new Error(String(setupError));
  await rm(join(home, '.ssh'), { recursive: true, force: true });
  await rm(join(home, 'portwise'), { recursive: true, force: true });
  ({ page, problems } = await session.openPage());
});

afterEach(async (context) => {
  if (setupError) return;
  // A failed scenario leaves its page behind: the progress panel shows what was still running.
  if (context.task.result?.state === 'fail') {
    await page.screenshot({ path: join(shots, `FAILED-${context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true }).catch(() => undefined);
    const running = await page.getByRole('region', { name: 'Progress' }).innerText().catch(() => '(no progress panel)');
    console.error(`Progress when "${context.task.name}" failed:\n${running}\nEvents: ${session.relay.emitted.length}`);
  }
  await page.close();
  expect(problems).toEqual([]);
});

/**
 * Waits for the verdict. A question from SSH that nobody expected (a password asked because the
 * agent's key was not taken...) would hold the run forever: it fails the test at once, naming it.
 */
async function verdictOrFail(run: RunPage, title: string): Promise<void> {
  const verdict = run.verdictTitle(title).waitFor({ timeout: LAB_WAIT_MS }).then(() => null);
  const dialog = page
    .getByRole('dialog')
    .waitFor({ timeout: LAB_WAIT_MS + 1000 })
    .then(async () => page.getByRole('dialog').innerText())
    .catch(() => null);
  const asked = await Promise.race([verdict, dialog]);
  if (asked !== null) throw new Error(`An SSH question was asked while waiting for "${title}":\n${asked}`);
}

/** Creates a profile for the lab's sshd (as root) in the Profiles screen, as a person would; resolves to its card. */
async function createProfile(name: string, options: { service?: string; keyFile?: string }): Promise<Locator> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Profiles' }).click();
  await page.getByRole('button', { name: 'New profile' }).click();
  const form = page.getByRole('region', { name: 'New profile' });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Host', { exact: true }).fill(NS_V4);
  await form.getByLabel('Port', { exact: true }).fill(String(sshd.port));
  await form.getByLabel('User', { exact: true }).fill('root');
  if (options.keyFile) {
    await form.getByLabel('Login', { exact: true }).selectOption({ label: 'key file' });
    await form.getByLabel('Key file', { exact: true }).fill(options.keyFile);
  }
  if (options.service) await form.getByLabel('Usual service', { exact: true }).fill(options.service);
  await form.getByRole('button', { name: 'Save profile' }).click();
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name }) });
  await card.waitFor({ timeout: LAB_WAIT_MS });
  return card;
}

/** No file under `dir` holds `secret` as text (the "no secret in plain text under PORTWISE_HOME"). */
async function expectNoPlainSecret(dir: string, secret: string): Promise<void> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) expect((await readFile(file)).includes(Buffer.from(secret)), file).toBe(false);
}

/** Saves the page in the light and the dark theme. */
async function shoot(name: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: join(shots, `${name}-light.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(shots, `${name}-dark.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
}

function lastReport(): Report {
  const reports = session.relay.emitted.map((e) => events.onDiagnosisEvent.parse(e.payload).event).flatMap((event) => (event.type === 'finished' ? [event.report] : []));
  const report = reports.at(-1);
  if (!report) throw new Error('no finished report was emitted');
  return report;
}

/** The revised report of the page's last answerDiagnosis call (the walk is pure: the same request gives the same report). */
async function lastAnswered(): Promise<Report> {
  const call = [...session.bridge.calls].reverse().find((c) => c.name === 'answerDiagnosis');
  if (!call) throw new Error('no answerDiagnosis call was made');
  const response = await session.table.answerDiagnosis(call.request);
  if (!response.ok) throw new Error(response.errors.join('; '));
  return response.report;
}

/** Fills the form: target, optional service, and SSH to the lab server (or no access). */
async function submit(target: string, options: { ssh?: boolean; service?: string; rounds?: number; shot?: string } = {}): Promise<RunPage> {
  const form = new TargetFormPage(page);
  await form.waitUntilShown();
  await form.target.fill(target);
  if (options.service) await page.getByLabel('Service').fill(options.service);
  if (options.ssh) {
    await page.getByRole('radio', { name: 'SSH', exact: true }).check();
    await page.getByLabel('SSH destination').fill(`root@${NS_V4}:${sshd.port}`);
  } else {
    await page.getByRole('radio', { name: /^No access/ }).check();
  }
  await form.setRounds(options.rounds ?? 2);
  if (options.shot) await shoot(options.shot);
  await form.diagnose.click();
  return new RunPage(page);
}

/** The host-key dialog: shows the lab server's real fingerprint; the person trusts it. */
async function trustHostKey(shot?: string): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor({ timeout: LAB_WAIT_MS });
  await expect.poll(() => dialog.innerText()).toContain(fingerprintOf(sshd.hostKey));
  if (shot) await shoot(shot);
  await dialog.getByRole('button', { name: 'Trust and connect' }).click();
  await dialog.waitFor({ state: 'detached', timeout: LAB_WAIT_MS });
}

describe('the wizard against the netns lab', { timeout: 420_000 }, () => {
  it('loopback-only service over SSH, with an unknown host key accepted: bind-loopback-only, then verify-fix', async () => {
    const run = await submit(`${NS_V4}:${LOOPBACK_ONLY}`, { ssh: true, service: 'postgresql', shot: 'a1-form-ssh' });
    await trustHostKey('a2-host-key');
    await verdictOrFail(run, 'The service listens on loopback only');
    const report = lastReport();
    expect(report.diagnosis.cause).toBe('bind-loopback-only');
    expect(report.evidence.find((e) => e.facts.check === 'ssh-login')?.summary).toMatch(/^Logged in to root@198\.18\.0\.2/);
    expect(report.diagnosis.remediation.map((s) => s.text).join(' ')).toContain('listen_addresses');
    await shoot('a3-verdict');
    // Verify-fix before anything changed: still refused.
    await page.getByRole('button', { name: /Verify the fix|Probe again/ }).click();
    await page.getByText(/Still failing/).waitFor({ timeout: LAB_WAIT_MS });
    await shoot('a4-verify-still-failing');
  });

  it('a firewall REJECT over SSH: iptables-reject naming the rule and its counter', async () => {
    // The key is pinned already this time: no question is asked.
    await mkdir(join(home, '.ssh'), { recursive: true });
    await writeFile(join(home, '.ssh', 'known_hosts'), sshd.knownHosts);
    const run = await submit(`${NS_V4}:${REJECTED}`, { ssh: true, shot: 'b1-form' });
    // Live progress while the server's commands run: the stage, what runs now and its command.
    await expect.poll(() => run.stage('On the server').getAttribute('aria-current'), { timeout: LAB_WAIT_MS }).toBe('step');
    expect(await run.runningNow.locator('code').count()).toBeGreaterThan(0);
    await shoot('b1b-server-checks-running');
    await verdictOrFail(run, 'An iptables rule rejects the connection');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await run.stage('Logging in').innerText()).toMatch(/Done[\s\S]*Logged in$/);
    expect(await run.stage('On the server').innerText()).toMatch(/Done[\s\S]*\d+ commands read/);
    const report = lastReport();
    expect(report.diagnosis.cause).toBe('iptables-reject');
    expect(report.diagnosis.reason).toMatch(/--dport 8081 -j REJECT --reject-with tcp-reset.*rose by 3/);
    await shoot('b2-verdict');
  });

  it('manual mode: no access, the pasted ss output decides bind-loopback-only', async () => {
    const run = await submit(`${NS_V4}:${LOOPBACK_ONLY}`, { shot: 'c1-form-no-access' });
    const step = run.pendingStep('No access to the server: questions instead');
    await step.waitFor({ timeout: LAB_WAIT_MS });
    const command = lastReport().pending?.paste?.commands.find((c) => c.os === 'linux')?.command;
    expect(command).toBe(`sudo ss -tlnpe 'sport = :${LOOPBACK_ONLY}'`);
    await shoot('c2-pending-question');
    // Run the shown command on the server (root in the namespace: no sudo there) and paste its output.
    const output = await lab().exec(['sh', '-c', command!.replace(/^sudo /, '')]);
    await step.getByLabel('Output pasted from the server').fill(output);
    await step.getByRole('button', { name: 'Use this output' }).click();
    await verdictOrFail(run, 'The service listens on loopback only');
    await expect.poll(() => run.decisionPath.last().innerText()).toContain(`127.0.0.1:${LOOPBACK_ONLY} only`);
    await shoot('c3-verdict-from-paste');
  });

  it('an override: the person sends a step down another branch, with a reason, and the verdict follows', async () => {
    const run = await submit(`${NS_V4}:${LOOPBACK_ONLY}`);
    await run.pendingStep('No access to the server: questions instead').waitFor({ timeout: LAB_WAIT_MS });
    const t60 = run.decisionPath.filter({ hasText: 'No access to the server' });
    await t60.getByText('Choose another branch').click();
    await t60.getByLabel('Branch').selectOption({ label: 'This client is banned or rate-limited (fail2ban and the like)' });
    await t60.getByLabel('Reason').fill('fail2ban on the server lists this workstation');
    await shoot('d1-override-form');
    await t60.getByRole('button', { name: 'Override this step' }).click();
    await verdictOrFail(run, 'This client is banned or rate-limited (fail2ban and the like)');
    await expect.poll(() => run.decisionPath.last().innerText()).toMatch(/overridden by a person/i);
    const report = await lastAnswered();
    expect(report.diagnosis).toMatchObject({ cause: 'ban-or-rate-limit', confidence: 'low' });
    expect(report.path.at(-1)).toMatchObject({ node: 'T60', by: 'override', automatic: null, overrideReason: 'fail2ban on the server lists this workstation' });
    await shoot('d2-verdict-overridden');
  });

  it('a changed host key is refused, with both fingerprints, and nothing is sent to the server', async () => {
    const other = await generateKey(home, `other-${Date.now()}`);
    await mkdir(join(home, '.ssh'), { recursive: true });
    await writeFile(join(home, '.ssh', 'known_hosts'), `${NS_V4} ${other.publicLine}\n`);
    const run = await submit(`${NS_V4}:${LOOPBACK_ONLY}`, { ssh: true });
    const notice = page.getByRole('alert').filter({ hasText: "The server's host key has changed" });
    await notice.waitFor({ timeout: LAB_WAIT_MS });
    expect(await page.getByRole('dialog').count()).toBe(0);
    const text = await notice.innerText();
    expect(text).toContain(fingerprintOf(sshd.hostKey));
    expect(text).toContain(fingerprintOf(other));
    // The report carries the failure as fields (the notice reads them, never the message).
    const keyLine = { keyType: other.type, fingerprint: fingerprintOf(other), file: join(home, '.ssh', 'known_hosts'), line: 1 };
    const failedHop = { index: 1, total: 1, user: 'root', host: NS_V4, port: sshd.port, role: 'target' };
    const fields = { failedHop, chain: [{ hop: failedHop, status: 'failed' }], presented: { keyType: sshd.hostKey.type, fingerprint: fingerprintOf(sshd.hostKey) }, known: [keyLine] };
    expect(lastReport().sshFailure).toMatchObject({ kind: 'host-key-changed', hop: 1, ...fields });
    expect(lastReport().evidence.find((e) => e.id === 'ssh-login')?.facts).toMatchObject({ check: 'ssh-login', ok: false, errorKind: 'host-key-changed', ...fields });
    expect(await run.verdictTitle(/./).count()).toBeGreaterThan(0);
    await shoot('e1-host-key-changed');

    // The change is expected (the lab's server is the real one): compare, confirm, re-pin.
    await notice.getByText('The change is expected: trust the new key').click();
    const replace = notice.getByRole('button', { name: 'Replace the pinned key' });
    expect(await replace.isDisabled()).toBe(true);
    await notice.getByRole('checkbox', { name: /I compared the new fingerprint on the server itself/ }).check();
    await replace.click();
    const outcome = notice.getByRole('status', { name: 'Re-pin result' });
    await expect.poll(() => outcome.innerText(), { timeout: LAB_WAIT_MS }).toContain(`The new key (${fingerprintOf(sshd.hostKey)}) is now pinned`);
    // The user's own file is not written; the command to clean it is offered instead.
    expect(await outcome.innerText()).toContain(`ssh-keygen -R '${NS_V4}' -f '${join(home, '.ssh', 'known_hosts')}'`);
    expect(await readFile(join(home, '.ssh', 'known_hosts'), 'utf8')).toBe(`${NS_V4} ${other.publicLine}\n`);
    await shoot('e2-host-key-repinned');

    // Again: the login goes through with no question and no notice.
    await run.newDiagnosis.click();
    const again = await submit(`${NS_V4}:${LOOPBACK_ONLY}`, { ssh: true });
    await verdictOrFail(again, 'The service listens on loopback only');
    expect(await page.getByRole('alert').filter({ hasText: "The server's host key has changed" }).count()).toBe(0);
    expect(lastReport().sshFailure).toBeNull();
  });

  it('a saved profile: created in the app, its connection tested (an unknown key compared and trusted), then a diagnosis with it', async () => {
    const card = await createProfile('Lab server', { service: 'postgresql' });

    // First test: the key is unknown, so nothing logs in; the fingerprint to compare is the server's.
    await card.getByRole('button', { name: 'Test connection Lab server' }).click();
    const result = card.getByRole('group', { name: 'Connection test of Lab server' });
    await expect.poll(() => result.innerText(), { timeout: LAB_WAIT_MS }).toContain('not trusted yet');
    expect(await result.innerText()).toContain(fingerprintOf(sshd.hostKey));
    await shoot('g1-profile-test-unknown-key');
    await result.getByRole('button', { name: /^Trust this key/ }).click();
    await expect.poll(() => result.innerText(), { timeout: LAB_WAIT_MS }).toMatch(/Logged in through every hop/);
    expect(await result.innerText()).toMatch(/On the server: debian 12, logged in as root; .*tools: .*\bss\b/i);
    expect(await readFile(join(home, 'portwise', 'known_hosts'), 'utf8')).toContain(sshd.hostKey.blob.toString('base64'));
    await shoot('g2-profile-test-ok');

    // Diagnose with it: no question is asked (the key is pinned), the service comes from the profile.
    await card.getByRole('button', { name: 'Diagnose with it Lab server' }).click();
    const target = new TargetFormPage(page);
    await target.waitUntilShown();
    await target.target.fill(`${NS_V4}:${LOOPBACK_ONLY}`);
    await target.setRounds(2);
    await target.diagnose.click();
    const run = new RunPage(page);
    await verdictOrFail(run, 'The service listens on loopback only');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(lastReport()).toMatchObject({ service: 'postgresql', sshFailure: null, diagnosis: { cause: 'bind-loopback-only' } });
    await shoot('g3-verdict-with-profile');
  });

  it('a remembered passphrase: saved encrypted after the login worked, used without asking, and offered for deletion once it stops working', async () => {
    await mkdir(join(home, '.ssh'), { recursive: true });
    await writeFile(join(home, '.ssh', 'known_hosts'), sshd.knownHosts);
    await createProfile('Locked key', { keyFile: lockedKey.path });
    const card = () => page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name: 'Locked key' }) });

    const diagnoseWithProfile = async (): Promise<RunPage> => {
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Profiles' }).click();
      await card().getByRole('button', { name: 'Diagnose with it Locked key' }).click();
      const target = new TargetFormPage(page);
      await target.waitUntilShown();
      await target.target.fill(`${NS_V4}:${LOOPBACK_ONLY}`);
      await target.setRounds(1);
      await target.diagnose.click();
      return new RunPage(page);
    };
    const passphraseDialog = page.getByRole('dialog', { name: 'Passphrase for an SSH key' });

    // 1. Asked once, with "remember" ticked: saved only after the login, encrypted.
    let run = await diagnoseWithProfile();
    await passphraseDialog.waitFor({ timeout: LAB_WAIT_MS });
    await passphraseDialog.getByLabel('Remember this passphrase for “Locked key”').check();
    await shoot('h1-passphrase-remember');
    await passphraseDialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await passphraseDialog.getByRole('button', { name: 'Unlock the key' }).click();
    await passphraseDialog.waitFor({ state: 'detached', timeout: LAB_WAIT_MS });
    await verdictOrFail(run, 'The service listens on loopback only');
    expect(await page.getByRole('region', { name: 'Notes from this run' }).innerText()).toContain('The key passphrase for "Locked key" was saved, encrypted by the system keyring.');
    const store = new SecretStore({ cipher: secretCipher, env: engineEnv });
    await expect(store.get({ profileId: 'locked-key', kind: 'passphrase' })).resolves.toEqual({ ok: true, value: PASSPHRASE });
    await expectNoPlainSecret(join(home, 'portwise'), PASSPHRASE);

    // 2. The profile says so, and the next diagnosis asks nothing (verdictOrFail fails on any dialog).
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Profiles' }).click();
    // The list is read again when the screen opens: until then it shows what it had before the run.
    await expect.poll(() => card().innerText(), { timeout: LAB_WAIT_MS }).toContain('A key passphrase is saved for it');
    run = await diagnoseWithProfile();
    await verdictOrFail(run, 'The service listens on loopback only');
    expect(lastReport()).toMatchObject({ sshFailure: null, diagnosis: { cause: 'bind-loopback-only' } });

    // 3. The saved passphrase no longer opens the key: the person is told, forgets it, and types the right one.
    expect(await store.set({ profileId: 'locked-key', kind: 'passphrase' }, 'an old passphrase')).toEqual({ ok: true });
    run = await diagnoseWithProfile();
    await passphraseDialog.waitFor({ timeout: LAB_WAIT_MS });
    expect(await passphraseDialog.innerText()).toContain('The saved passphrase for "Locked key" did not unlock the key.');
    await passphraseDialog.getByRole('button', { name: 'Forget the saved passphrase' }).click();
    await expect.poll(() => passphraseDialog.innerText(), { timeout: LAB_WAIT_MS }).toContain('The saved key passphrase was deleted.');
    await shoot('h2-saved-passphrase-refused');
    await passphraseDialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await passphraseDialog.getByRole('button', { name: 'Unlock the key' }).click();
    await passphraseDialog.waitFor({ state: 'detached', timeout: LAB_WAIT_MS });
    await verdictOrFail(run, 'The service listens on loopback only');
    await expect(store.has({ profileId: 'locked-key', kind: 'passphrase' })).resolves.toEqual({ ok: true, present: false });
    const profiles = JSON.parse(await readFile(join(home, 'portwise', 'profiles.json'), 'utf8')) as { profiles: { id: string; secret: string }[] };
    expect(profiles.profiles.find((p) => p.id === 'locked-key')?.secret).toBe('none');
    await expectNoPlainSecret(join(home, 'portwise'), PASSPHRASE);
  });

  it('cancel in mid-run: the DROP makes every probe wait, Cancel stops it and says so', async () => {
    const run = await submit(`${NS_V4}:${DROPPED}`, { rounds: 3 });
    await run.cancel.waitFor();
    await shoot('f1-running');
    await run.cancel.click();
    await page.getByRole('heading', { name: 'Diagnosis cancelled' }).waitFor({ timeout: LAB_WAIT_MS });
    await shoot('f2-cancelled');
  });
});

