import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/csp';
import { events } from '../../shared/common/ipc';
import { parseTarget } from '../../shared/common/schema/target';
import type { Report } from '../../shared/common/schema/report';
import { createHandlerTable } from '../../shared/node/handlers';
import { closedPort, listen, type TestServer } from '../integration/loopback';
import type { InPage, LayoutShift, LayoutShiftPage } from './harness/page-globals';
import { DiagnosisPage, RunPage, TargetFormPage } from './harness/wizard-pages';
import { rendererDir, screenshotDir as shots, startWizardSession, WAIT_MS, type WizardSession } from './harness/wizard-session';

/**
 * The wizard in Chromium, end to end: the built renderer, served with the app's CSP, talking to the
 * REAL handler table and engine through a `window.portwise` built like the preload's, probing real
 * sockets on 127.0.0.1. Nothing is mocked.
 */

let session: WizardSession;
let listener: TestServer;
let refusedPort: number;
let page: Page;
let problems: string[];
/** Kept and thrown by every test, so a missing build fails each test by name rather than skipping it. */
let setupError: unknown;
let historyHome: string | undefined;

beforeAll(async () => {
  try {
    // Finished runs are saved to the history: in a home of this file's own, never the user's.
    historyHome = mkdtempSync(join(tmpdir(), 'pw-e2e-wizard-'));
    const env = { ...process.env, PORTWISE_HOME: historyHome };
    session = await startWizardSession((sink) => createHandlerTable({ sink, appInfo: { name: 'Portwise', version: '0.0.0-e2e', platform: process.platform }, env }));
  } catch (error) {
    setupError = error;
    return;
  }
  // Keeps accepted sockets open, like a real service, so the probe sees a plain "connected".
  listener = await listen({ host: '127.0.0.1' });
  refusedPort = await closedPort('127.0.0.1');
});

afterAll(async () => {
  await session?.close();
  await listener?.close();
  if (historyHome) rmSync(historyHome, { recursive: true, force: true });
});

beforeEach(async () => {
  if (setupError) throw setupError;
  ({ page, problems } = await session.openPage());
});

afterEach(async () => {
  if (setupError) return;
  await page.close();
  // No CSP violation, no uncaught error, no console error on any screen.
  expect(problems).toEqual([]);
});

/** Every layout shift of the page so far, with what moved (Chromium's Layout Instability API, buffered). */
function layoutShifts(page: Page): Promise<LayoutShift[]> {
  return page.evaluate(
    () =>
      new Promise<LayoutShift[]>((resolve) => {
        const w = globalThis as unknown as LayoutShiftPage;
        const seen: LayoutShift[] = [];
        const observer = new w.PerformanceObserver((list) => {
          for (const entry of list.getEntries()) {
            const moved = (entry.sources ?? []).map((s) => `${s.node?.nodeName ?? '?'}.${String(s.node?.className ?? '')} "${(s.node?.textContent ?? '').slice(0, 40)}"`);
            seen.push({ value: entry.value, hadRecentInput: entry.hadRecentInput, moved });
          }
        });
        observer.observe({ type: 'layout-shift', buffered: true });
        // Buffered entries arrive in the first callback; later frames have nothing more to add.
        w.setTimeout(() => {
          observer.disconnect();
          resolve(seen);
        }, 300);
      }),
  );
}

function finishedReport(runIndexFromEnd = 0): Report {
  const reports = session.relay.emitted
    .map((e) => events.onDiagnosisEvent.parse(e.payload).event)
    .flatMap((event) => (event.type === 'finished' ? [event.report] : []));
  const report = reports[reports.length - 1 - runIndexFromEnd];
  if (!report) throw new Error('no finished report was emitted');
  return report;
}

describe('the page the app loads', () => {
  it('is served with the app CSP, has it in its meta tag, and has window.portwise like the preload', async () => {
    const html = await readFile(join(rendererDir, 'index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(CONTENT_SECURITY_POLICY);
    const response = await page.request.get(session.url);
    expect(response.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);

    const shape = await page.evaluate(() => {
      const inPage = globalThis as unknown as InPage & Record<string, unknown>;
      const api = inPage.portwise as unknown as Record<string, unknown>;
      return {
        keys: Object.keys(api).sort(),
        types: Object.values(api).map((v) => typeof v),
        frozen: Object.isFrozen(api),
        bindingsLeft: Object.keys(inPage).filter((k) => k.startsWith('__portwise')),
      };
    });
    const keys = [
      'answerDiagnosis',
      'answerPrompt',
      'cancelDiagnosis',
      'cancelFleet',
      'clearHistory',
      'exportReport',
      'forgetSecret',
      'getAppInfo',
      'getHistoryReport',
      'getSettings',
      'importSshConfig',
      'listHistory',
      'listKnownHosts',
      'listProfiles',
      'onDiagnosisEvent',
      'onFleetEvent',
      'pinHostKey',
      'removeHostKey',
      'removeProfile',
      'repinHostKey',
      'saveProfile',
      'saveSettings',
      'startDiagnosis',
      'startFleet',
      'testProfile',
      'verifyFix',
    ];
    expect(shape).toEqual({
      keys,
      types: keys.map(() => 'function'),
      frozen: true,
      bindingsLeft: [],
    });
    const info = await page.evaluate(() => (globalThis as unknown as InPage).portwise?.getAppInfo({}));
    expect(info).toEqual({ name: 'Portwise', version: '0.0.0-e2e', platform: process.platform });
    // The renderer asked for it too, and shows the version in its header.
    await page.getByText('version 0.0.0-e2e').waitFor();
  });
});

describe('wizard', () => {
  it('A: a closed port is refused on every round and the verdict is "Nothing is listening"', async () => {
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    await expect.poll(() => form.targetHasFocus()).toBe(true);
    await page.screenshot({ path: join(shots, '01-target-form.png'), fullPage: true });

    const target = `127.0.0.1:${refusedPort}`;
    await form.submitWithKeyboard(target);

    const run = new RunPage(page);
    await run.heading(target).waitFor();
    await run.row('127.0.0.1').waitFor();
    expect(await run.row('127.0.0.1').innerText()).toMatch(/IPv4[\s\S]*typed[\s\S]*loopback/);
    const rounds = await run.roundCount();
    expect(rounds).toBe(3);

    const first = await run.cell('127.0.0.1', 1);
    await expect.poll(() => first.innerText(), { timeout: WAIT_MS }).toMatch(/Refused/);
    await page.screenshot({ path: join(shots, '02-probing.png'), fullPage: true });
    expect(await run.stage('On this computer').getAttribute('aria-current')).toBe('step');

    for (let round = 1; round <= rounds; round++) {
      const cell = await run.cell('127.0.0.1', round);
      await expect.poll(() => cell.innerText(), { timeout: WAIT_MS }).toMatch(/Refused\s+[\d.]+ m?s · ECONNREFUSED/);
    }

    const verdict = run.verdictTitle(/^Nothing is listening/);
    await verdict.waitFor();
    await expect.poll(() => run.announcement.textContent()).toMatch(/^Verdict: Nothing is listening/);
    expect(await run.cancel.count()).toBe(0);
    expect(await run.decisionPath.count()).toBeGreaterThan(0);
    expect(await page.getByRole('heading', { level: 3, name: 'What proves it' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: /^Copy / }).count()).toBeGreaterThan(0);
    // The fix step and the verify step both show the listener check, with the port filled in.
    expect(await page.locator('code', { hasText: `ss -Htlnp 'sport = :${refusedPort}'` }).count()).toBeGreaterThanOrEqual(1);
    expect(finishedReport().diagnosis.cause).toBe('service-not-running');
    // The progress panel keeps the record: what ran, what was skipped and why.
    await expect.poll(() => run.stage('On this computer').innerText()).toMatch(/Done · [\d.]+ m?s/);
    expect(await run.stage('Logging in').innerText()).toMatch(/Skipped[\s\S]*No server access was chosen/);
    expect(await run.stage('Deciding').innerText()).toMatch(/Done[\s\S]*Walked the decision tree/);
    expect(await run.runningNow.innerText()).toMatch(/^Finished in [\d.]+ m?s\.$/);
    await page.screenshot({ path: join(shots, '03-verdict-refused.png'), fullPage: true });

    // Back to the form, with what was typed kept.
    await run.newDiagnosis.click();
    await form.waitUntilShown();
    expect(await form.target.inputValue()).toBe(target);
  });

  it('B: an open port connects on every round and the verdict is not-reproduced', async () => {
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    const target = `127.0.0.1:${listener.port}`;
    await form.submitWithKeyboard(target);

    const run = new RunPage(page);
    await run.heading(target).waitFor();
    for (let round = 1; round <= 3; round++) {
      const cell = await run.cell('127.0.0.1', round);
      await expect.poll(() => cell.innerText(), { timeout: WAIT_MS }).toMatch(/^\W*Connected\s+[\d.]+ m?s$/);
    }
    await run.verdictTitle('The connection works from here now').waitFor();
    await expect.poll(() => run.announcement.textContent()).toMatch(/^Verdict: The connection works from here now/);
    expect(finishedReport().diagnosis.cause).toBe('not-reproduced');
    expect(listener.accepted.length).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: join(shots, '04-verdict-open.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(shots, '07-verdict-open-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    // Manual mode: the probe works, so T5 asks how the application connects. The answer walks the
    // real tree again in main, and the verdict follows it.
    const step = run.pendingStep('The probe works: does the application?');
    await step.getByText('Every probe from this computer connects. Does your application still fail?').waitFor();
    await run.answer('The probe works: does the application?', 'Its configuration names another port');
    await run.verdictTitle('The client and the service use different ports').waitFor({ timeout: WAIT_MS });
    const answered = session.bridge.calls.filter((c) => c.name === 'answerDiagnosis');
    expect(answered).toHaveLength(1);
    await expect.poll(() => run.pendingStep('The probe works: does the application?').count()).toBe(0);
    const lastStep = run.decisionPath.last();
    await expect.poll(() => lastStep.innerText()).toMatch(/Answered by a person: Its configuration names another port/);
    await page.screenshot({ path: join(shots, '08-manual-answer.png'), fullPage: true });
  });

  it('C: "host:notaport" shows the parser\'s message inline and starts nothing', async () => {
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    const before = session.bridge.calls.filter((c) => c.name === 'startDiagnosis').length;
    const expected = parseTarget('host:notaport');
    if (expected.ok) throw new Error('parseTarget accepted host:notaport');

    await form.submitWithKeyboard('host:notaport');
    await page.getByText(expected.error.message).waitFor();
    expect(await form.target.getAttribute('aria-invalid')).toBe('true');
    expect(await form.targetDescription()).toContain(expected.error.message);
    expect(await form.targetHasFocus()).toBe(true);
    expect(await form.heading.isVisible()).toBe(true);
    expect(session.bridge.calls.filter((c) => c.name === 'startDiagnosis').length).toBe(before);
    await page.screenshot({ path: join(shots, '05-invalid-input.png'), fullPage: true });

    // The message follows the input: fixed, it goes away.
    await form.target.fill('host:5432');
    await expect.poll(() => form.target.getAttribute('aria-invalid')).toBe('false');
    expect(await page.getByText(expected.error.message).count()).toBe(0);
  });

  it('D: Cancel stops a running diagnosis and says so', async () => {
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    await form.setRounds(10);
    const target = `127.0.0.1:${refusedPort}`;
    await form.target.fill(target);
    await form.target.press('Enter');

    const run = new RunPage(page);
    await run.heading(target).waitFor();
    const first = await run.cell('127.0.0.1', 1);
    await expect.poll(() => first.innerText(), { timeout: WAIT_MS }).toMatch(/Refused/);
    await run.cancel.click();
    await page.getByRole('heading', { level: 2, name: 'Diagnosis cancelled' }).waitFor();
    expect(session.bridge.calls.some((c) => c.name === 'cancelDiagnosis')).toBe(true);
    expect(await run.stage('On this computer').innerText()).toMatch(/Stopped[\s\S]*Stopped: Connecting to the address on port/);
    expect(await run.stage('Deciding').innerText()).toMatch(/Not reached/);
    expect(await page.getByText('Not probed').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, '06-cancelled.png'), fullPage: true });
  });

  it('E: the SSH choice previews the exact server commands; an SSH login that fails is named on the verdict', async () => {
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    const target = `127.0.0.1:${refusedPort}`;
    await form.target.fill(target);
    await form.service.fill('postgresql');
    await form.symptom('Connection refused').check();
    expect(await form.noAccess.isChecked()).toBe(true);
    expect(await form.sshDestination.count()).toBe(0);

    const sshPort = await closedPort('127.0.0.1');
    await form.chooseSsh(`alice@127.0.0.1:${sshPort}`, { jumps: ['me@bastion.example'] });
    await form.addJumpHost.click();
    await form.jumpHost(2).fill('me@second.example:2222');
    await form.removeJumpHost(1).click();
    expect(await form.jumpHost(1).inputValue()).toBe('me@second.example:2222');
    await form.removeJumpHost(1).click();
    expect(await form.jumpHost(1).count()).toBe(0);
    const commands = await form.previewCommands();
    expect(commands.join('\n')).toContain(`ss -tlnpe4 'sport = :${refusedPort}'`);
    expect(commands.join('\n')).toContain("journalctl -u postgresql -n 100 -o json --no-pager -q");
    await page.screenshot({ path: join(shots, '11-target-form-ssh.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(shots, '12-target-form-ssh-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    // A destination the parser refuses is shown at its field, and nothing starts.
    const starts = session.bridge.calls.filter((c) => c.name === 'startDiagnosis').length;
    await form.sshDestination.fill('bad user@host');
    await form.diagnose.click();
    await expect.poll(() => form.sshDestination.getAttribute('aria-invalid')).toBe('true');
    expect(await form.describedBy(form.sshDestination)).toContain('"bad user" is not a valid user name.');
    expect(session.bridge.calls.filter((c) => c.name === 'startDiagnosis').length).toBe(starts);

    await form.sshDestination.fill(`alice@127.0.0.1:${sshPort}`);
    await form.sshDestination.press('Enter');
    const run = new RunPage(page);
    await run.heading(target).waitFor();
    const request = session.bridge.calls.filter((c) => c.name === 'startDiagnosis').at(-1)?.request;
    expect(request).toEqual({
      target,
      rounds: 3,
      timeoutMs: 3000,
      service: 'postgresql',
      symptom: 'refused',
      access: { kind: 'ssh', destination: `alice@127.0.0.1:${sshPort}`, jumps: [], sudo: false },
    });
    await page.getByRole('heading', { name: 'Portwise could not log in to the server' }).waitFor({ timeout: WAIT_MS });
    expect(finishedReport().sshFailure?.kind).toBe('connect-failed');
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  it('F: verify the fix (still failing, then fixed once something listens), export the report, override a step', async () => {
    const port = await closedPort('127.0.0.1');
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    const target = `127.0.0.1:${port}`;
    await form.submitWithKeyboard(target);
    const run = new RunPage(page);
    await run.verdictTitle(/^Nothing is listening/).waitFor({ timeout: WAIT_MS });
    const report = finishedReport();

    const diagnosis = new DiagnosisPage(page);
    await diagnosis.verifyFix.click();
    await expect.poll(() => diagnosis.verifyOutcome.textContent(), { timeout: WAIT_MS }).toBe('Still failing');
    const still = await diagnosis.verifyRow('127.0.0.1');
    expect(still[1]).toMatch(/^✕ Refused 3 rounds · last [\d.]+ m?s · ECONNREFUSED$/);
    expect(still[2]).toMatch(/^✕ Refused [\d.]+ m?s · ECONNREFUSED$/);

    const fixed = await listen({ host: '127.0.0.1', port });
    try {
      await diagnosis.verifyFix.click();
      await expect.poll(() => diagnosis.verifyOutcome.textContent(), { timeout: WAIT_MS }).toBe('Fixed: every address connects now');
      expect((await diagnosis.verifyRow('127.0.0.1'))[2]).toMatch(/^✓ Connected [\d.]+ m?s$/);
      await page.screenshot({ path: join(shots, '13-verify-fixed.png'), fullPage: true });
    } finally {
      await fixed.close();
    }

    const download = await diagnosis.exportReport('JSON');
    expect(download.suggestedFilename()).toMatch(new RegExp(`^portwise-report-127\\.0\\.0\\.1-${port}-\\d{8}T\\d{4}Z\\.json$`));
    const saved = await download.path();
    // The report as it finished, with both verify-the-fix runs added to its record.
    const exported = JSON.parse(await readFile(saved, 'utf8')) as Report;
    expect(exported.verifications?.map((v) => v.fixed)).toEqual([false, true]);
    expect({ ...exported, verifications: undefined }).toEqual({ ...report, verifications: undefined });
    // The page is still the app: the download did not navigate.
    await run.verdictTitle(/^Nothing is listening/).waitFor();

    const step = report.path[1]!;
    const branch = step.alternatives.find((a) => a.to !== step.next)!;
    await diagnosis.override(step.title, branch.title, 'the application reports a timeout, not a refusal');
    const overridden = diagnosis.step(step.title);
    await overridden.getByText('overridden by a person', { exact: true }).waitFor({ timeout: WAIT_MS });
    expect(await overridden.innerText()).toContain('the application reports a timeout, not a refusal');
    const answered = session.bridge.calls.filter((c) => c.name === 'answerDiagnosis').at(-1)?.request as { answers: unknown };
    expect(answered.answers).toEqual({ [step.node]: { override: { to: branch.to, reason: 'the application reports a timeout, not a refusal' } } });
    await page.screenshot({ path: join(shots, '14-override.png'), fullPage: true });

    await diagnosis.withdraw(step.node).click();
    await expect.poll(() => diagnosis.step(step.title).getByText('overridden by a person', { exact: true }).count(), { timeout: WAIT_MS }).toBe(0);
    await run.verdictTitle(/^Nothing is listening/).waitFor();
  });

  it('G: nothing on the run screen moves while probes and evidence stream in', async () => {
    const port = await closedPort('127.0.0.1');
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    await form.setRounds(5);
    await form.submitWithKeyboard(`127.0.0.1:${port}`);
    const run = new RunPage(page);
    await run.verdictTitle(/^Nothing is listening/).waitFor({ timeout: WAIT_MS });
    const shifts = await layoutShifts(page);
    // Shifts right after a key press are the screen changing on purpose (the form gives way to the run).
    const unasked = shifts.filter((s) => !s.hadRecentInput);
    const score = unasked.reduce((sum, s) => sum + s.value, 0);
    expect({ score: score < 0.01, unasked }).toEqual({ score: true, unasked: expect.any(Array) });

    // The instrument works: a block pushed in above the content, with no input, is a shift it sees.
    // (At the top of the page: further down, scroll anchoring would keep the visible content still.)
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await page.evaluate(() => new Promise((done) => (globalThis as unknown as { requestAnimationFrame(cb: () => void): void }).requestAnimationFrame(() => done(null))));
    await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { prepend(n: unknown): void }; createElement(t: string): { style: { height: string } } } }).document;
      const block = doc.createElement('div');
      block.style.height = '240px';
      doc.querySelector('main').prepend(block);
    });
    const after = await layoutShifts(page);
    expect(after.filter((s) => !s.hadRecentInput).reduce((sum, s) => sum + s.value, 0) - score).toBeGreaterThan(0.05);
  });
});
