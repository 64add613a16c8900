import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { causeSummary } from '../../shared/common/causes/catalog';
import { createScriptedTable, SCRIPTED, scriptedKeys, scriptedMessages } from './harness/scripted-table';
import { DiagnosisPage, PromptDialogPage, RunPage, TargetFormPage } from './harness/wizard-pages';
import { screenshotDir as shots, startWizardSession, WAIT_MS, type WizardSession } from './harness/wizard-session';

/**
 * The wizard's less common states, driven by a scripted handler table through the same bridge (the
 * real engine cannot fail or come back inconclusive on demand). `wizard.test.ts` covers the real
 * engine; this file covers what the page does with every kind of answer the contract allows.
 */

let session: WizardSession;
let page: Page;
let problems: string[];
/** Kept and thrown by every test, so a missing build fails each test by name rather than skipping it. */
let setupError: unknown;

beforeAll(async () => {
  try {
    session = await startWizardSession(createScriptedTable);
  } catch (error) {
    setupError = error;
  }
});

afterAll(async () => {
  await session?.close();
});

beforeEach(async () => {
  if (setupError) throw setupError;
  ({ page, problems } = await session.openPage());
});

afterEach(async () => {
  if (setupError) return;
  await page.close();
  expect(problems).toEqual([]);
});

describe('wizard states', () => {
  it('offline: the workstation losing its network is said at once, and the notice goes when it is back', async () => {
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    const notice = page.getByRole('heading', { level: 2, name: 'This computer is offline' });
    expect(await notice.count()).toBe(0);
    await page.context().setOffline(true);
    await notice.waitFor({ timeout: WAIT_MS });
    expect(await page.getByRole('status').filter({ hasText: 'Probes to other machines will fail as unreachable' }).count()).toBe(1);
    await page.screenshot({ path: join(shots, '20-offline.png'), fullPage: true });
    await page.context().setOffline(false);
    await notice.waitFor({ state: 'detached', timeout: WAIT_MS });
  });

  it('a start call that throws is a sentence, with the technical detail folded away', async () => {
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    await form.submitWithKeyboard(SCRIPTED.throws);

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('Portwise could not start the diagnosis.');
    const detail = alert.getByText(scriptedMessages.thrown, { exact: false });
    expect(await detail.isVisible()).toBe(false);
    await alert.getByText('Technical details').click();
    await detail.waitFor();
    expect(await form.heading.isVisible()).toBe(true);
    expect(await form.diagnose.isEnabled()).toBe(true);
    await page.screenshot({ path: join(shots, '08-start-error.png'), fullPage: true });
  });

  it("main's refusal of a target is shown at the field, like the form's own validation", async () => {
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    await form.submitWithKeyboard(SCRIPTED.refused);
    await page.getByText(scriptedMessages.refused).waitFor();
    expect(await form.target.getAttribute('aria-invalid')).toBe('true');
    expect(await form.targetDescription()).toContain(scriptedMessages.refused);
    expect(await form.targetHasFocus()).toBe(true);
  });

  it('an engine failure ends the run with a sentence, the detail, and a way back', async () => {
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    await form.submitWithKeyboard(SCRIPTED.fails);

    const run = new RunPage(page);
    await run.heading(SCRIPTED.fails).waitFor();
    await page.getByRole('heading', { level: 2, name: 'The diagnosis failed' }).waitFor();
    const alert = page.getByRole('alert');
    expect(await alert.innerText()).toContain(scriptedMessages.failed);
    await alert.getByText('Technical details').click();
    await alert.getByText('scripted engine failure', { exact: false }).waitFor();
    expect(await run.cancel.count()).toBe(0);
    await page.screenshot({ path: join(shots, '09-failed.png'), fullPage: true });
    await run.newDiagnosis.click();
    await form.waitUntilShown();
  });

  it('a name with two addresses: one row each, early events kept, an inconclusive verdict with what is missing', async () => {
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    await form.setRounds(2);
    await form.target.fill(SCRIPTED.mixed);
    await form.target.press('Enter');

    const run = new RunPage(page);
    await run.heading(SCRIPTED.mixed).waitFor();
    // Every event of this run arrived before the start call answered: none may be lost.
    await run.verdictTitle(causeSummary('inconclusive').title).waitFor({ timeout: WAIT_MS });
    expect(await run.roundCount()).toBe(2);
    expect(await run.row('192.0.2.10').innerText()).toMatch(/IPv4\s+DNS\s+remote/);
    expect(await run.row('2001:db8::10').innerText()).toMatch(/IPv6\s+hosts file, DNS\s+remote/);
    for (const round of [1, 2]) {
      expect(await (await run.cell('192.0.2.10', round)).innerText()).toMatch(/Connected\s+12 ms/);
      expect(await (await run.cell('2001:db8::10', round)).innerText()).toMatch(/Refused\s+0\.6 ms · ECONNREFUSED/);
    }
    expect(await page.getByText('mixed.example resolved to 2 addresses in 4.2 ms.', { exact: false }).innerText()).toContain(
      'DNS also answered 192.0.2.99, which this computer does not use.',
    );
    expect(await run.decisionPath.count()).toBe(2);

    const missing = page.getByRole('heading', { level: 3, name: 'Evidence that would decide it' });
    await missing.waitFor();
    expect(await page.getByText('The listener table of the server (ss -tlnp), over SSH.').count()).toBe(1);
    // Backticks in the text are shown as code, as text: nothing is parsed as markup.
    expect(await page.locator('code', { hasText: '::' }).first().innerText()).toBe('::');
    await page.getByRole('heading', { level: 3, name: 'Causes still possible' }).waitFor();
    expect(await page.getByRole('listitem').filter({ hasText: causeSummary('bind-loopback-only').title }).count()).toBe(1);
    await expect.poll(() => run.announcement.textContent()).toBe(`Verdict: ${causeSummary('inconclusive').title}. Low confidence.`);
    await page.screenshot({ path: join(shots, '10-verdict-inconclusive.png'), fullPage: true });
  });

  it('SSH questions: a modal that keeps the focus, the host key to check, a password, then a changed key refused loudly', async () => {
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    await form.target.fill(SCRIPTED.ssh);
    await form.chooseSsh('alice@ssh.example', { jumps: ['me@bastion.example:2222'] });
    await form.diagnose.click();

    const prompt = new PromptDialogPage(page);
    await prompt.heading.waitFor();
    expect(await prompt.heading.innerText()).toBe('Unknown host key for jump host 1 of 2, me@bastion.example:2222');
    expect(await prompt.code(scriptedKeys.jump).count()).toBe(1);
    expect(await prompt.code('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub').count()).toBe(1);
    // The page behind is inert, and the focus starts on the safe choice and stays in the dialog.
    expect(await page.locator('main[inert]').count()).toBe(1);
    await expect.poll(() => prompt.cancel.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      expect(await prompt.dialog.evaluate((el) => el.contains(el.ownerDocument.activeElement))).toBe(true);
    }
    await page.screenshot({ path: join(shots, '15-ssh-host-key.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(shots, '16-ssh-host-key-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    await prompt.trust.click();
    await prompt.field('Password').waitFor();
    expect(await prompt.heading.innerText()).toBe('Password for jump host 1 of 2, me@bastion.example:2222');
    await prompt.answer('Password', 'scripted-secret');
    await prompt.dialog.waitFor({ state: 'detached' });
    expect(await page.locator('main[inert]').count()).toBe(0);

    const diagnosis = new DiagnosisPage(page);
    await diagnosis.hostKeyChanged.waitFor();
    const notice = await diagnosis.hostKeyChanged.innerText();
    expect(notice).toContain(`ssh-ed25519 ${scriptedKeys.presented}`);
    expect(notice).toContain(scriptedKeys.pinned);
    expect(notice).toContain('/home/alice/.ssh/known_hosts, line 12');
    // The password went to main in the answer, and nowhere else: no event carried it back.
    expect(JSON.stringify(session.relay.emitted)).not.toContain('scripted-secret');
    expect(await page.content()).not.toContain('scripted-secret');
    await page.screenshot({ path: join(shots, '17-host-key-changed.png'), fullPage: true });
  });

  it('Escape cancels an SSH question, and the verdict says the login did not happen', async () => {
    const form = new TargetFormPage(page);
    await form.waitUntilShown();
    await form.target.fill(SCRIPTED.ssh);
    await form.chooseSsh('alice@ssh.example', { jumps: ['me@bastion.example:2222'] });
    await form.diagnose.click();
    const prompt = new PromptDialogPage(page);
    await prompt.trust.waitFor();
    await page.keyboard.press('Escape');
    await prompt.dialog.waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: 'Portwise could not log in to the server' }).waitFor();
    const answers = session.bridge.calls.filter((c) => c.name === 'answerPrompt');
    expect(answers.at(-1)?.request).toMatchObject({ answer: { kind: 'host-key', accept: false } });
  });
});
