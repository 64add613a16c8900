import type { Locator, Page } from 'playwright-core';
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

  get diagnose(): Locator {
    return this.page.getByRole('button', { name: 'Diagnose' });
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

  get table(): Locator {
    return this.page.getByRole('table');
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
