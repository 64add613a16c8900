import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { causeSummary } from '../../shared/common/causes/catalog';
import { createHandlerTable, type EventSink } from '../../shared/node/handlers';
import { closedPort, listen, type TestServer } from '../integration/loopback';
import { expectNoAxeViolations, formatViolations, runAxe, THEMES, useTheme } from './harness/axe';
import { createScriptedTable, SCRIPTED } from './harness/scripted-table';
import { DiagnosisPage, PromptDialogPage, RunPage, TargetFormPage } from './harness/wizard-pages';
import { useWizardSession, WAIT_MS } from './harness/wizard-session';

/**
 * Accessibility of the wizard: every screen state the harness can reach is checked with axe-core
 * (WCAG 2.x A and AA, colour contrast included) in the light and the dark theme; and whole
 * diagnoses are driven with the keyboard alone (`page.keyboard` only: no clicks, no fills),
 * checking at every Tab stop that the focus can be seen and that the control has a name in
 * Chromium's accessibility tree, and that no action drops the focus to <body>. Probes go to
 * 127.0.0.1 only.
 */

/** One page per test on one browser per table; collects what the page logged (none is allowed). */
/** What has the keyboard focus: how it is drawn and what assistive technology calls it. */
interface FocusStop {
  /** Tag, id and text, to name the element in a failure message. */
  element: string;
  onBody: boolean;
  /** The focus indicator as computed: an outline or a box-shadow ring; null when there is none. */
  indicator: string | null;
  focusVisible: boolean;
  /** Role and accessible name from Chromium's accessibility tree. */
  role: string;
  name: string;
}

/** Reads the focused element's style in the page and its role and name from Chromium's accessibility tree. */
async function focusStop(page: Page, cdp: CDPSession): Promise<FocusStop> {
  const seen = await page.evaluate(() => {
    type El = {
      tagName: string;
      id: string;
      textContent: string | null;
      matches(selector: string): boolean;
      getAttribute(name: string): string | null;
    };
    type Style = { outlineStyle: string; outlineWidth: string; outlineColor: string; boxShadow: string };
    const inPage = globalThis as unknown as { document: { activeElement: El | null; body: El }; getComputedStyle(el: El): Style };
    const el = inPage.document.activeElement;
    if (!el || el === inPage.document.body) return { element: '<body>', onBody: true, indicator: null, focusVisible: false };
    const style = inPage.getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 ? `outline ${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}` : null;
    const shadow = style.boxShadow && style.boxShadow !== 'none' ? `box-shadow ${style.boxShadow}` : null;
    const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60);
    const type = el.getAttribute('type');
    return {
      element: `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${type ? ` type=${type}` : ''}>${text ? ` "${text}"` : ''}`,
      onBody: false,
      indicator: outline ?? shadow,
      focusVisible: el.matches(':focus-visible'),
    };
  });
  if (seen.onBody) return { ...seen, role: '', name: '' };
  const { result } = await cdp.send('Runtime.evaluate', { expression: 'document.activeElement' });
  if (!result.objectId) throw new Error('no handle on document.activeElement');
  const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { objectId: result.objectId, fetchRelatives: false });
  await cdp.send('Runtime.releaseObject', { objectId: result.objectId });
  const node = nodes[0];
  const role = node && !node.ignored ? String(node.role?.value ?? '') : '';
  const name = node && !node.ignored ? String(node.name?.value ?? '').trim() : '';
  return { ...seen, role, name };
}

/** A Tab stop must show where the focus is and say what it is. */
function expectUsableStop(stop: FocusStop, how: string): void {
  const where = `${how}: focus on ${stop.element} (role "${stop.role}", name "${stop.name}")`;
  expect(stop.onBody, `${where}: the focus fell to <body>`).toBe(false);
  expect(stop.focusVisible, `${where}: does not match :focus-visible`).toBe(true);
  expect(stop.indicator, `${where}: no focus indicator (no outline, no box-shadow)`).not.toBeNull();
  expect(stop.role, `${where}: not in the accessibility tree`).not.toBe('');
  expect(stop.name, `${where}: no accessible name`).not.toBe('');
}

/**
 * Presses Tab (or Shift+Tab) until the focused control's name matches, checking every stop on the
 * way; fails when it is not reached in `maxStops`. Returns the stop reached.
 */
async function tabTo(page: Page, cdp: CDPSession, name: RegExp, options: { back?: boolean; maxStops?: number } = {}): Promise<FocusStop> {
  const key = options.back ? 'Shift+Tab' : 'Tab';
  const passed: string[] = [];
  for (let i = 0; i < (options.maxStops ?? 40); i++) {
    await page.keyboard.press(key);
    const stop = await focusStop(page, cdp);
    expectUsableStop(stop, `${key} #${i + 1} on the way to ${name}`);
    passed.push(`${stop.role} "${stop.name}"`);
    if (name.test(stop.name)) return stop;
  }
  throw new Error(`${name} was not reached with ${key} in ${options.maxStops ?? 40} stops; the stops were:\n${passed.join('\n')}`);
}

// Finished runs are saved to the history: in a home of this file's own, never the user's.
const historyHome = mkdtempSync(join(tmpdir(), 'pw-e2e-a11y-'));
afterAll(() => rmSync(historyHome, { recursive: true, force: true }));
const realTable = (sink: EventSink) => createHandlerTable({ sink, appInfo: { name: 'Portwise', version: '0.0.0-e2e', platform: process.platform }, env: { ...process.env, PORTWISE_HOME: historyHome } });

describe('with the real engine on loopback', () => {
  const ctx = useWizardSession(realTable);
  let listener: TestServer;

  beforeAll(async () => {
    // Keeps accepted sockets open, like a real service: the probe sees a plain "connected".
    listener = await listen({ host: '127.0.0.1' });
  });
  afterAll(async () => {
    await listener?.close();
  });

  describe('axe, WCAG 2 A and AA, in both themes', () => {
    it('the harness: axe runs under the app CSP and reports what a failure needs to say', async () => {
      const form = new TargetFormPage(ctx.page);
      await form.waitUntilShown();
      // Two known faults, added through the DOM (CSSOM styles are not inline styles: the CSP allows them).
      await ctx.page.evaluate(() => {
        type Node = { id: string; textContent: string; type: string; style: Record<string, string> };
        const doc = (globalThis as unknown as { document: { createElement(tag: string): Node; querySelector(s: string): { append(n: Node): void } } }).document;
        const faint = doc.createElement('p');
        faint.id = 'axe-self-test-faint';
        faint.textContent = 'Grey on white, too faint to read';
        faint.style.color = '#c8c8c8';
        faint.style.background = '#ffffff';
        const unnamed = doc.createElement('input');
        unnamed.id = 'axe-self-test-unnamed';
        unnamed.type = 'text';
        doc.querySelector('main')?.append(faint);
        doc.querySelector('main')?.append(unnamed);
      });
      const report = await runAxe(ctx.page);
      const ids = report.violations.map((v) => v.id);
      expect(ids).toContain('color-contrast');
      expect(ids).toContain('label');
      const message = formatViolations(report.violations, 'self-test');
      expect(message).toMatch(/color-contrast \[serious\]: Elements must meet minimum color contrast ratio thresholds/);
      expect(message).toContain('#axe-self-test-faint');
      expect(message).toMatch(/insufficient color contrast of [\d.]+ \(foreground color: #c8c8c8, background color: #ffffff/);
      expect(message).toContain('#axe-self-test-unnamed');
      // Nothing else on the page was at fault.
      const others = report.violations.flatMap((v) => v.nodes.flatMap((n) => n.target)).filter((t) => !t.includes('axe-self-test'));
      expect(others).toEqual([]);

      // The themes the checks switch between are the app's: its page colour follows the emulated scheme.
      const pageColour = () =>
        ctx.page.evaluate(() => {
          const inPage = globalThis as unknown as { document: { documentElement: unknown }; getComputedStyle(el: unknown): { backgroundColor: string } };
          return inPage.getComputedStyle(inPage.document.documentElement).backgroundColor;
        });
      const colours: string[] = [];
      for (const theme of THEMES) {
        await useTheme(ctx.page, theme);
        colours.push(await pageColour());
      }
      await useTheme(ctx.page, 'light');
      expect(colours).toEqual(['rgb(245, 246, 248)', 'rgb(20, 23, 27)']);
    });

    it('the empty target form', async () => {
      const form = new TargetFormPage(ctx.page);
      await form.waitUntilShown();
      await ctx.page.getByText('version 0.0.0-e2e').waitFor();
      await expectNoAxeViolations(ctx.page, 'empty target form');
    });

    it('the form with a validation error at the target', async () => {
      const form = new TargetFormPage(ctx.page);
      await form.waitUntilShown();
      await form.submitWithKeyboard('host:notaport');
      await expect.poll(() => form.target.getAttribute('aria-invalid')).toBe('true');
      await expectNoAxeViolations(ctx.page, 'form, invalid target');
    });

    it('the form with SSH, jump hosts, the command preview and the options open, with errors at several fields', async () => {
      const form = new TargetFormPage(ctx.page);
      await form.waitUntilShown();
      await form.target.fill('127.0.0.1:5432');
      await form.service.fill('postgresql');
      await form.symptom('Connection refused').check();
      await form.chooseSsh('bad user@host', { jumps: ['me@bastion.example', 'not a host'], sudo: true });
      await form.previewCommands();
      await form.setRounds(0);
      await form.diagnose.click();
      await expect.poll(() => form.sshDestination.getAttribute('aria-invalid')).toBe('true');
      expect(await form.jumpHost(2).getAttribute('aria-invalid')).toBe('true');
      expect(await form.rounds.getAttribute('aria-invalid')).toBe('true');
      await expectNoAxeViolations(ctx.page, 'form with SSH, invalid fields');
    });

    it('a run with probes streaming in, then its cancelled ending', async () => {
      const form = new TargetFormPage(ctx.page);
      const run = new RunPage(ctx.page);
      // One run per theme: ten rounds 500 ms apart leave time for one theme's check while it runs.
      for (const theme of THEMES) {
        await form.waitUntilShown();
        await form.setRounds(10);
        const target = `127.0.0.1:${await closedPort('127.0.0.1')}`;
        await form.submitWithKeyboard(target);
        await run.heading(target).waitFor();
        const first = await run.cell('127.0.0.1', 1);
        await expect.poll(() => first.innerText(), { timeout: WAIT_MS }).toMatch(/Refused/);
        await expectNoAxeViolations(ctx.page, 'running, probes streaming', [theme]);
        // Still running after the check: what was checked was the running screen.
        expect(await run.cancel.isVisible()).toBe(true);

        await run.cancel.click();
        await ctx.page.getByRole('heading', { level: 2, name: 'Diagnosis cancelled' }).waitFor();
        await expectNoAxeViolations(ctx.page, 'cancelled ending', [theme]);
        await run.newDiagnosis.click();
      }
    });

    it('a verdict (nothing is listening), then verify-fix done and an override form open', async () => {
      const form = new TargetFormPage(ctx.page);
      await form.waitUntilShown();
      await form.submitWithKeyboard(`127.0.0.1:${await closedPort('127.0.0.1')}`);
      const run = new RunPage(ctx.page);
      await run.verdictTitle(/^Nothing is listening/).waitFor({ timeout: WAIT_MS });
      await expectNoAxeViolations(ctx.page, 'verdict: nothing is listening');

      const diagnosis = new DiagnosisPage(ctx.page);
      await diagnosis.verifyFix.click();
      await expect.poll(() => diagnosis.verifyOutcome.textContent(), { timeout: WAIT_MS }).toBe('Still failing');
      const step = diagnosis.step('What did the client really get?');
      await step.getByText('Choose another branch').click();
      await step.getByRole('combobox', { name: 'Branch' }).waitFor();
      await step.getByRole('button', { name: 'Override this step' }).click();
      await expect.poll(() => step.getByRole('textbox', { name: 'Reason' }).getAttribute('aria-invalid')).toBe('true');
      await expectNoAxeViolations(ctx.page, 'verdict with verify-fix result and an override form with an error');
    });

    it('a pending manual question under a verdict (the port is open)', async () => {
      const form = new TargetFormPage(ctx.page);
      await form.waitUntilShown();
      await form.submitWithKeyboard(`127.0.0.1:${listener.port}`);
      const run = new RunPage(ctx.page);
      await run.verdictTitle('The connection works from here now').waitFor({ timeout: WAIT_MS });
      await run.pendingStep('The probe works: does the application?').waitFor();
      await expectNoAxeViolations(ctx.page, 'verdict with a pending question');
    });
  });

  describe('the keyboard alone', () => {
    it('fills the form, runs a diagnosis to its verdict, opens and folds a control, copies a command, verifies, and starts over', async () => {
      const { page, session } = ctx;
      const cdp = await page.context().newCDPSession(page);
      const keys = page.keyboard;
      const form = new TargetFormPage(page);
      const run = new RunPage(page);
      await form.waitUntilShown();

      // The form puts the focus in the target field.
      await expect.poll(() => form.targetHasFocus()).toBe(true);
      const first = await focusStop(page, cdp);
      expectUsableStop(first, 'the form opened');
      expect([first.role, first.name]).toEqual(['textbox', 'Target']);
      const target = `127.0.0.1:${await closedPort('127.0.0.1')}`;
      await keys.type(target);

      await tabTo(page, cdp, /^Service$/, { maxStops: 1 });
      // A radio group is one Tab stop; the arrow keys move (and check) within it.
      const symptom = await tabTo(page, cdp, /^Not sure$/, { maxStops: 1 });
      expect(symptom.role).toBe('radio');
      await keys.press('ArrowRight');
      const refused = await focusStop(page, cdp);
      expectUsableStop(refused, 'ArrowRight in the symptom group');
      expect(refused.name).toBe('Connection refused');
      expect(await form.symptom('Connection refused').isChecked()).toBe(true);
      await tabTo(page, cdp, /^No access/, { maxStops: 1 });

      // The folded options open with Space; the rounds are typed over.
      await tabTo(page, cdp, /^Options$/, { maxStops: 1 });
      await keys.press('Space');
      await tabTo(page, cdp, /^Rounds$/, { maxStops: 1 });
      await keys.press('ControlOrMeta+A');
      await keys.type('2');
      await tabTo(page, cdp, /^Timeout \(ms\)$/, { maxStops: 1 });
      const diagnose = await tabTo(page, cdp, /^Diagnose$/, { maxStops: 1 });
      expect(diagnose.role).toBe('button');
      // Back and forth: Shift+Tab returns to the field before, Tab to the button again.
      await tabTo(page, cdp, /^Timeout \(ms\)$/, { back: true, maxStops: 1 });
      await tabTo(page, cdp, /^Diagnose$/, { maxStops: 1 });
      await keys.press('Enter');

      await run.heading(target).waitFor();
      await run.verdictTitle(/^Nothing is listening/).waitFor({ timeout: WAIT_MS });
      const request = session.bridge.calls.filter((c) => c.name === 'startDiagnosis').at(-1)?.request;
      expect(request).toMatchObject({ target, rounds: 2, symptom: 'refused', access: { kind: 'none' } });
      // The run ended: the focus is somewhere in the page (the run's heading), not dropped to <body>.
      const ended = await focusStop(page, cdp);
      expect(ended.onBody, `after the run ended the focus is on ${ended.element}`).toBe(false);

      // Into the decision path: open an override form with Enter, and walk through it.
      await tabTo(page, cdp, /^Choose another branch/);
      await keys.press('Enter');
      await page.getByRole('combobox', { name: 'Branch' }).first().waitFor();
      const branch = await tabTo(page, cdp, /^Branch$/, { maxStops: 1 });
      expect(branch.role).toBe('combobox');
      await tabTo(page, cdp, /^Reason$/, { maxStops: 1 });
      await tabTo(page, cdp, /^Override this step$/, { maxStops: 1 });
      // And fold it again, from the keyboard.
      await tabTo(page, cdp, /^Choose another branch/, { back: true, maxStops: 3 });
      await keys.press('Enter');
      await expect.poll(() => page.getByRole('combobox', { name: 'Branch' }).count()).toBe(0);

      // A command's Copy button: Enter copies (or selects the command when the clipboard is closed).
      const copy = await tabTo(page, cdp, /^Copy /);
      await keys.press('Enter');
      await expect.poll(async () => (await focusStop(page, cdp)).name).toMatch(/^(Copied|Selected) /);
      expect(copy.role).toBe('button');
      // Shift+Tab and Tab come back to the same button.
      await keys.press('Shift+Tab');
      expectUsableStop(await focusStop(page, cdp), 'Shift+Tab from the Copy button');
      await tabTo(page, cdp, /^(Copy|Copied|Selected) /, { maxStops: 1 });

      // Verify the fix with Space: the button is disabled while it probes, yet the focus stays in the
      // page, and comes back to the button once the outcome is in.
      await tabTo(page, cdp, /^Verify the fix$/);
      await keys.press('Space');
      const diagnosis = new DiagnosisPage(page);
      await expect.poll(() => diagnosis.verifyOutcome.textContent(), { timeout: WAIT_MS }).toBe('Still failing');
      await expect.poll(async () => (await focusStop(page, cdp)).name).toBe('Verify the fix again');
      expectUsableStop(await focusStop(page, cdp), 'after verifying');

      // New diagnosis: back to the form, what was typed kept, the focus in the target field.
      await tabTo(page, cdp, /^New diagnosis$/);
      await keys.press('Enter');
      await form.waitUntilShown();
      await expect.poll(() => form.targetHasFocus()).toBe(true);
      expect(await form.target.inputValue()).toBe(target);
      await cdp.detach();
    });

    it('answers a pending question with the keyboard; the focus follows the new verdict', async () => {
      const { page } = ctx;
      const cdp = await page.context().newCDPSession(page);
      const form = new TargetFormPage(page);
      const run = new RunPage(page);
      await form.waitUntilShown();
      await expect.poll(() => form.targetHasFocus()).toBe(true);
      await page.keyboard.type(`127.0.0.1:${listener.port}`);
      await page.keyboard.press('Enter');
      await run.verdictTitle('The connection works from here now').waitFor({ timeout: WAIT_MS });
      await run.pendingStep('The probe works: does the application?').waitFor();

      await tabTo(page, cdp, /^Its configuration names another port$/);
      await page.keyboard.press('Enter');
      await run.verdictTitle('The client and the service use different ports').waitFor({ timeout: WAIT_MS });
      await expect.poll(() => run.pendingStep('The probe works: does the application?').count()).toBe(0);
      // The answer's buttons were disabled while the tree was walked again: the focus went to the new verdict.
      const after = await focusStop(page, cdp);
      expect(after.onBody, `after the answer the focus is on ${after.element}`).toBe(false);
      expect([after.role, after.name]).toEqual(['heading', 'The client and the service use different ports']);
      // And the walk goes on from there.
      await tabTo(page, cdp, /^New diagnosis$/);
      await cdp.detach();
    });
  });
});

describe('with the scripted table', () => {
  const ctx = useWizardSession(createScriptedTable);

  describe('axe, WCAG 2 A and AA, in both themes', () => {
    it('the form with a start error and its technical details open', async () => {
      const form = new TargetFormPage(ctx.page);
      await form.waitUntilShown();
      await form.submitWithKeyboard(SCRIPTED.throws);
      const alert = ctx.page.getByRole('alert');
      await alert.getByText('Technical details').click();
      await expectNoAxeViolations(ctx.page, 'form with a start error');
    });

    it('the failed ending, details open', async () => {
      const form = new TargetFormPage(ctx.page);
      await form.waitUntilShown();
      await form.submitWithKeyboard(SCRIPTED.fails);
      await ctx.page.getByRole('heading', { level: 2, name: 'The diagnosis failed' }).waitFor();
      await ctx.page.getByRole('alert').getByText('Technical details').click();
      await expectNoAxeViolations(ctx.page, 'failed ending');
    });

    it('an inconclusive verdict with two addresses, what is missing and the causes still possible', async () => {
      const form = new TargetFormPage(ctx.page);
      await form.waitUntilShown();
      await form.setRounds(2);
      await form.submitWithKeyboard(SCRIPTED.mixed);
      await new RunPage(ctx.page).verdictTitle(causeSummary('inconclusive').title).waitFor({ timeout: WAIT_MS });
      await expectNoAxeViolations(ctx.page, 'inconclusive verdict');
    });

    it('the SSH host-key and password dialogs, then the changed-key notice on the verdict', async () => {
      const form = new TargetFormPage(ctx.page);
      await form.waitUntilShown();
      await form.target.fill(SCRIPTED.ssh);
      await form.chooseSsh('alice@ssh.example', { jumps: ['me@bastion.example:2222'] });
      await form.diagnose.click();
      const prompt = new PromptDialogPage(ctx.page);
      await prompt.trust.waitFor();
      await expectNoAxeViolations(ctx.page, 'SSH host-key dialog');

      await prompt.trust.click();
      await prompt.field('Password').waitFor();
      await expectNoAxeViolations(ctx.page, 'SSH password dialog');

      await prompt.answer('Password', 'scripted-secret');
      await prompt.dialog.waitFor({ state: 'detached' });
      await new DiagnosisPage(ctx.page).hostKeyChanged.waitFor();
      await ctx.page.getByText('The message from the SSH layer').click();
      await expectNoAxeViolations(ctx.page, 'verdict with the changed-key notice');
    });

    it('an SSH login cancelled from the dialog', async () => {
      const form = new TargetFormPage(ctx.page);
      await form.waitUntilShown();
      await form.target.fill(SCRIPTED.ssh);
      await form.chooseSsh('alice@ssh.example', { jumps: ['me@bastion.example:2222'] });
      await form.diagnose.click();
      const prompt = new PromptDialogPage(ctx.page);
      await prompt.trust.waitFor();
      await ctx.page.keyboard.press('Escape');
      await prompt.dialog.waitFor({ state: 'detached' });
      await ctx.page.getByRole('heading', { name: 'Portwise could not log in to the server' }).waitFor();
      await expectNoAxeViolations(ctx.page, 'verdict after a cancelled SSH login');
    });
  });

  describe('the keyboard alone', () => {
    it('asks for SSH, trusts a host key and logs in with the keyboard; the focus comes back to the page', async () => {
      const { page } = ctx;
      const cdp = await page.context().newCDPSession(page);
      const keys = page.keyboard;
      const form = new TargetFormPage(page);
      await form.waitUntilShown();
      await expect.poll(() => form.targetHasFocus()).toBe(true);
      await keys.type(SCRIPTED.ssh);

      // The access group: ArrowDown moves from "No access" to "SSH", and its fields appear.
      await tabTo(page, cdp, /^No access/, { maxStops: 4 });
      await keys.press('ArrowDown');
      const ssh = await focusStop(page, cdp);
      expectUsableStop(ssh, 'ArrowDown in the access group');
      expect([ssh.role, ssh.name]).toEqual(['radio', 'SSH']);
      await tabTo(page, cdp, /^SSH destination$/, { maxStops: 1 });
      await keys.type('alice@ssh.example');
      // "Add a jump host" puts the focus in the new field.
      await tabTo(page, cdp, /^Add a jump host$/, { maxStops: 1 });
      await keys.press('Enter');
      const jump = await focusStop(page, cdp);
      expectUsableStop(jump, 'Enter on "Add a jump host"');
      expect(jump.name).toBe('Jump host 1');
      await keys.type('me@bastion.example:2222');
      // The remove button, then back: Shift+Tab returns to the field.
      await tabTo(page, cdp, /^Remove jump host 1$/, { maxStops: 1 });
      await tabTo(page, cdp, /^Jump host 1$/, { back: true, maxStops: 1 });
      await keys.press('Enter');

      // The host-key question: the focus starts on Cancel, the safe choice; Shift+Tab reaches "Trust and connect".
      const prompt = new PromptDialogPage(page);
      await prompt.trust.waitFor();
      await expect.poll(async () => (await focusStop(page, cdp)).name).toBe('Cancel');
      expectUsableStop(await focusStop(page, cdp), 'the host-key dialog opened');
      await tabTo(page, cdp, /^Trust and connect$/, { back: true, maxStops: 6 });
      await keys.press('Enter');

      // The password question: the focus is in its field.
      await prompt.field('Password').waitFor();
      await expect.poll(async () => (await focusStop(page, cdp)).name).toBe('Password');
      expectUsableStop(await focusStop(page, cdp), 'the password dialog opened');
      await keys.type('scripted-secret');
      await keys.press('Enter');
      await prompt.dialog.waitFor({ state: 'detached' });

      await new DiagnosisPage(page).hostKeyChanged.waitFor();
      const after = await focusStop(page, cdp);
      expect(after.onBody, `after the dialog closed the focus is on ${after.element}`).toBe(false);
      await tabTo(page, cdp, /^New diagnosis$/);
      await cdp.detach();
    });
  });
});
