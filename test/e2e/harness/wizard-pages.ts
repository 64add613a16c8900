import type { Download, Locator, Page } from 'playwright-core';
import type { InPage } from './page-globals';

/** Page objects per wizard step: what a user sees (roles, labels, words) and what a user does. */

export class TargetFormPage {
  constructor(readonly page: Page) {}

  get heading(): Locator {
    return this.page.getByRole('heading', { level: 1, name: 'Why is the connection refused?' });
  }

  get target(): Locator {
    return this.page.getByRole('textbox', { name: 'Target' });
  }

  get options(): Locator {
    return this.page.getByText('Options', { exact: true });
  }

  get rounds(): Locator {
    return this.page.getByRole('spinbutton', { name: 'Rounds' });
  }

  get timeout(): Locator {
    return this.page.getByRole('spinbutton', { name: 'Timeout (ms)' });
  }

  /** The form's submit button (the header's navigation has a "Diagnose" section too). */
  get diagnose(): Locator {
    return this.page.getByRole('main').getByRole('button', { name: 'Diagnose' });
  }

  get service(): Locator {
    return this.page.getByRole('textbox', { name: 'Service' });
  }

  /** The symptom radio group ("What did the application report?"). */
  get symptoms(): Locator {
    return this.page.getByRole('group', { name: 'What did the application report?' });
  }

  /** One symptom: 'Not sure', 'Connection refused', 'Timed out', 'Connection reset', 'No route to host'. */
  symptom(label: 'Not sure' | 'Connection refused' | 'Timed out' | 'Connection reset' | 'No route to host'): Locator {
    return this.symptoms.getByRole('radio', { name: label, exact: true });
  }

  get access(): Locator {
    return this.page.getByRole('group', { name: 'How to reach the server' });
  }

  get noAccess(): Locator {
    return this.access.getByRole('radio', { name: 'No access (I will answer questions and paste command output)' });
  }

  get sshAccess(): Locator {
    return this.access.getByRole('radio', { name: 'SSH', exact: true });
  }

  get sshDestination(): Locator {
    return this.page.getByRole('textbox', { name: 'SSH destination' });
  }

  get jumpHosts(): Locator {
    return this.page.getByRole('group', { name: 'Jump hosts' });
  }

  /** The n-th jump host field (1-based), in connection order. */
  jumpHost(n: number): Locator {
    return this.page.getByRole('textbox', { name: `Jump host ${n}`, exact: true });
  }

  get addJumpHost(): Locator {
    return this.page.getByRole('button', { name: 'Add a jump host' });
  }

  removeJumpHost(n: number): Locator {
    return this.page.getByRole('button', { name: `Remove jump host ${n}`, exact: true });
  }

  get sudo(): Locator {
    return this.page.getByRole('checkbox', { name: 'Use sudo -n for root-only reads' });
  }

  /** The folded preview of the server commands (a <details>); `previewCommands` unfolds it. */
  get preview(): Locator {
    return this.page.locator('details', { has: this.page.getByText('Portwise will run these read-only commands on the server', { exact: true }) });
  }

  /** Unfolds the preview and returns its command blocks, one text per purpose. */
  async previewCommands(): Promise<string[]> {
    if ((await this.preview.getAttribute('open')) === null) await this.preview.getByText('Portwise will run these read-only commands on the server').click();
    return this.preview.locator('pre code').allInnerTexts();
  }

  /** Chooses SSH and fills the destination, the jump hosts (in order) and sudo. */
  async chooseSsh(destination: string, options: { jumps?: string[]; sudo?: boolean } = {}): Promise<void> {
    await this.sshAccess.check();
    await this.sshDestination.fill(destination);
    for (const [i, jump] of (options.jumps ?? []).entries()) {
      await this.addJumpHost.click();
      await this.jumpHost(i + 1).fill(jump);
    }
    if (options.sudo !== undefined) await this.sudo.setChecked(options.sudo);
  }

  /** The texts that describe a field (hint and message), as assistive technology reads them. */
  async describedBy(field: Locator): Promise<string> {
    return field.evaluate((input) =>
      (input.getAttribute('aria-describedby') ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((id: string) => (globalThis as unknown as InPage).document.getElementById(id)?.textContent?.trim() ?? '')
        .join(' '),
    );
  }

  async waitUntilShown(): Promise<void> {
    await this.heading.waitFor();
    await this.target.waitFor();
  }

  /** Types the target where the focus is (the form focuses the field) and presses Enter. */
  async submitWithKeyboard(target: string): Promise<void> {
    await this.target.fill('');
    await this.page.keyboard.type(target);
    await this.page.keyboard.press('Enter');
  }

  /** True when the keyboard focus is in the target field. */
  async targetHasFocus(): Promise<boolean> {
    return this.target.evaluate((input) => (globalThis as unknown as InPage).document.activeElement === input);
  }

  async setRounds(rounds: number): Promise<void> {
    if (!(await this.rounds.isVisible())) await this.options.click();
    await this.rounds.fill(String(rounds));
  }

  /** The texts that describe the target field (hint and error), as assistive technology reads them. */
  async targetDescription(): Promise<string> {
    return this.target.evaluate((input) =>
      (input.getAttribute('aria-describedby') ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((id: string) => (globalThis as unknown as InPage).document.getElementById(id)?.textContent?.trim() ?? '')
        .join(' '),
    );
  }
}

export class RunPage {
  constructor(readonly page: Page) {}

  heading(target: string): Locator {
    return this.page.getByRole('heading', { level: 1, name: target });
  }

  /** The probe table (the timeline has a text table of its own, named differently). */
  get table(): Locator {
    return this.page.getByRole('table', { name: 'One row per resolved address, one column per probe round' });
  }

  get cancel(): Locator {
    return this.page.getByRole('button', { name: 'Cancel' });
  }

  get newDiagnosis(): Locator {
    return this.page.getByRole('button', { name: 'New diagnosis' });
  }

  get decisionPath(): Locator {
    return this.page.getByRole('region', { name: 'Decision path' }).getByRole('listitem');
  }

  /** The live progress panel: four stages, and what runs now. */
  get progress(): Locator {
    return this.page.getByRole('region', { name: 'Progress' });
  }

  /** One stage of the progress panel, by its title ("On this computer", "Logging in", ...). */
  stage(title: string): Locator {
    return this.progress.getByRole('listitem').filter({ hasText: title });
  }

  get runningNow(): Locator {
    return this.progress.getByRole('group', { name: 'Running now' });
  }

  verdictTitle(title: string | RegExp): Locator {
    return this.page.getByRole('heading', { level: 2, name: title });
  }

  get announcement(): Locator {
    return this.page.getByRole('status').filter({ hasText: /^Verdict: / });
  }

  /** Manual mode: the step that asks a person, shown under the verdict. */
  pendingStep(title: string): Locator {
    return this.page.getByRole('region', { name: title });
  }

  /** Answers the pending step with one of its choices, by its label. */
  async answer(title: string, choice: string): Promise<void> {
    await this.pendingStep(title).getByRole('button', { name: choice }).click();
  }

  /** The table row of one resolved address. */
  row(address: string): Locator {
    return this.table.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: address, exact: true }) });
  }

  /** The cell of one address in one round, found through the "Round N" column header. */
  async cell(address: string, round: number): Promise<Locator> {
    const headers = await this.table.getByRole('columnheader').allInnerTexts();
    const index = headers.findIndex((h) => h.trim().toLowerCase() === `round ${round}`);
    if (index < 0) throw new Error(`No "Round ${round}" column; the headers are: ${headers.join(', ')}`);
    return this.row(address).locator(':scope > th, :scope > td').nth(index);
  }

  async roundCount(): Promise<number> {
    const headers = await this.table.getByRole('columnheader').allInnerTexts();
    return headers.filter((h) => /^round \d+$/i.test(h.trim())).length;
  }
}

/** The modal dialog an SSH question opens during a run (host key, passphrase, password, keyboard-interactive). */
export class PromptDialogPage {
  constructor(readonly page: Page) {}

  get dialog(): Locator {
    return this.page.getByRole('dialog');
  }

  get heading(): Locator {
    return this.dialog.getByRole('heading', { level: 2 });
  }

  /** Host key: "Trust and connect". */
  get trust(): Locator {
    return this.dialog.getByRole('button', { name: 'Trust and connect' });
  }

  get cancel(): Locator {
    return this.dialog.getByRole('button', { name: 'Cancel' });
  }

  /** The fingerprint and key type, as shown (monospace <code>). */
  code(text: string): Locator {
    return this.dialog.locator('code', { hasText: text });
  }

  /** A secret or answer field by its label: 'Passphrase', 'Password', or a keyboard-interactive prompt. */
  field(label: string): Locator {
    return this.dialog.getByLabel(label, { exact: true });
  }

  /** The submit button: 'Trust and connect', 'Unlock the key', 'Log in' or 'Send'. */
  submit(name: 'Trust and connect' | 'Unlock the key' | 'Log in' | 'Send'): Locator {
    return this.dialog.getByRole('button', { name, exact: true });
  }

  /** Types a secret and sends it with Enter, as a keyboard user would. */
  async answer(label: string, value: string): Promise<void> {
    await this.field(label).fill(value);
    await this.field(label).press('Enter');
  }
}

/** The verdict page's actions: verify the fix, export, the SSH failure notice, and overrides on the path. */
export class DiagnosisPage {
  constructor(readonly page: Page) {}

  get verifyFix(): Locator {
    return this.page.getByRole('button', { name: /^Verify the fix( again)?$/ });
  }

  /** "Fixed: every address connects now" or "Still failing", once the probes are back. */
  get verifyOutcome(): Locator {
    return this.page.getByRole('group', { name: 'Verify the fix' }).getByText(/^(Fixed: every address connects now|Still failing)$/);
  }

  /** One address's row of the before/after table: [address, during the diagnosis, now]. */
  async verifyRow(address: string): Promise<string[]> {
    const row = this.page.getByRole('group', { name: 'Verify the fix' }).getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: address, exact: true }) });
    return (await row.locator(':scope > th, :scope > td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  get exportButton(): Locator {
    return this.page.getByRole('button', { name: 'Export report' });
  }

  /** Opens the export dialog. */
  async openExport(): Promise<ExportDialogPage> {
    await this.exportButton.click();
    const dialog = new ExportDialogPage(this.page);
    await dialog.dialog.waitFor();
    return dialog;
  }

  /** Exports through the dialog (JSON, nothing hidden beyond secrets by default), closes it, and returns the download. */
  async exportReport(format: ExportFormatLabel = 'JSON', hide: readonly RedactLabel[] = []): Promise<Download> {
    const dialog = await this.openExport();
    const download = await dialog.export(format, hide);
    await dialog.close.click();
    return download;
  }

  /** The danger notice of a changed host key (never a question). */
  get hostKeyChanged(): Locator {
    return this.page.getByRole('alert').filter({ has: this.page.getByRole('heading', { name: "The server's host key has changed" }) });
  }

  /** A step of the decision path, by its title. */
  step(title: string): Locator {
    return this.page.getByRole('region', { name: 'Decision path' }).getByRole('listitem').filter({ has: this.page.getByText(title, { exact: true }) });
  }

  /** Opens "Choose another branch" at a step, picks the branch by its title, gives the reason and sends it. */
  async override(stepTitle: string, branchTitle: string, reason: string): Promise<void> {
    const step = this.step(stepTitle);
    await step.getByText('Choose another branch').click();
    await step.getByRole('combobox', { name: 'Branch' }).selectOption({ label: branchTitle });
    await step.getByRole('textbox', { name: 'Reason' }).fill(reason);
    await step.getByRole('button', { name: 'Override this step' }).click();
  }

  /** "Withdraw the override at step T…" (or "the answer"). */
  withdraw(node: string, what: 'override' | 'answer' = 'override'): Locator {
    return this.page.getByRole('button', { name: `Withdraw the ${what} at step ${node}` });
  }
}

export type ExportFormatLabel = 'Markdown' | 'HTML' | 'PDF' | 'JSON';
export type RedactLabel = 'Host names' | 'IP addresses' | 'User names' | 'File paths';

/** The export dialog: the format, what to hide, the preview of what is replaced, and Export. */
export class ExportDialogPage {
  constructor(readonly page: Page) {}

  get dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Export the report' });
  }

  format(label: ExportFormatLabel): Locator {
    return this.dialog.getByRole('radio', { name: new RegExp(`^${label}\\b`) });
  }

  hide(label: RedactLabel): Locator {
    return this.dialog.getByRole('checkbox', { name: label, exact: true });
  }

  get preview(): Locator {
    return this.dialog.getByRole('region', { name: 'What will be replaced' });
  }

  /** The preview's rows below the header: [kind, in the report, replaced by, times]. */
  async previewRows(): Promise<string[][]> {
    const rows = this.preview.getByRole('row');
    const count = await rows.count();
    const out: string[][] = [];
    for (let i = 1; i < count; i++) out.push((await rows.nth(i).locator(':scope > th, :scope > td').allInnerTexts()).map((t) => t.trim()));
    return out;
  }

  get exportButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Export', exact: true });
  }

  get close(): Locator {
    return this.dialog.getByRole('button', { name: 'Close', exact: true });
  }

  /** "Exported NAME. …", once the file was handed to the browser. */
  get status(): Locator {
    return this.dialog.getByRole('status');
  }

  /** Picks the format, ticks exactly `hide`, exports and returns the download. */
  async export(format: ExportFormatLabel, hide: readonly RedactLabel[]): Promise<Download> {
    await this.format(format).check();
    for (const label of ['Host names', 'IP addresses', 'User names', 'File paths'] as const) await this.hide(label).setChecked(hide.includes(label));
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.exportButton.click()]);
    return download;
  }
}
