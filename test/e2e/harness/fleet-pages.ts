import type { Locator, Page } from 'playwright-core';

/** The Fleet screen as a user sees it (roles, labels, words): the form, the live list, the table. */

export class FleetFormPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Fleet', exact: true }).click();
    await this.heading.waitFor();
  }

  get heading(): Locator {
    return this.page.getByRole('heading', { level: 1, name: 'Fleet', exact: true });
  }

  get port(): Locator {
    return this.page.getByRole('spinbutton', { name: 'Port' });
  }

  get search(): Locator {
    return this.page.getByRole('searchbox', { name: 'Search' });
  }

  get group(): Locator {
    return this.page.getByRole('combobox', { name: 'Group' });
  }

  /** A saved profile's box, by the profile's name. */
  profile(name: string): Locator {
    return this.page.getByRole('checkbox', { name: new RegExp(`^${name} `) });
  }

  get tickShown(): Locator {
    return this.page.getByRole('button', { name: /^Tick all/ });
  }

  get serverToAdd(): Locator {
    return this.page.getByRole('textbox', { name: 'Server to add' });
  }

  get atOnce(): Locator {
    return this.page.getByRole('spinbutton', { name: 'At once' });
  }

  get acceptNewHostKeys(): Locator {
    return this.page.getByRole('checkbox', { name: 'Accept new host keys' });
  }

  /** The form's submit button, which counts the servers chosen. */
  get diagnose(): Locator {
    return this.page.getByRole('main').getByRole('button', { name: /^Diagnose/ });
  }

  /** Types a server and adds it with Enter, as a keyboard user does. */
  async addServer(destination: string): Promise<void> {
    await this.serverToAdd.fill(destination);
    await this.serverToAdd.press('Enter');
    await this.added(destination).waitFor();
  }

  /** A typed server in the list, by its Remove button (named after it). */
  added(destination: string): Locator {
    return this.page.getByRole('list', { name: 'Servers added' }).getByRole('button', { name: `Remove ${destination}`, exact: true });
  }
}

export class FleetRunPage {
  constructor(readonly page: Page) {}

  heading(port: number, servers: number): Locator {
    return this.page.getByRole('heading', { level: 1, name: `Port ${port} on ${servers} servers` });
  }

  /** The live list's lines, each as its text with the spaces folded. */
  async liveLines(): Promise<string[]> {
    const items = this.page.getByRole('region', { name: 'Servers', exact: true }).getByRole('listitem');
    return (await items.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  get cancel(): Locator {
    return this.page.getByRole('button', { name: 'Cancel', exact: true });
  }

  get table(): Locator {
    return this.page.getByRole('table', { name: /^Each server/ });
  }

  get verdict(): Locator {
    return this.page.getByRole('region', { name: 'Verdict' });
  }

  /** The table's rows below the header, each as the texts of its cells (spaces folded). */
  async rows(): Promise<string[][]> {
    const rows = this.table.getByRole('row');
    const out: string[][] = [];
    for (let i = 1; i < (await rows.count()); i++) out.push((await rows.nth(i).locator(':scope > th, :scope > td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()));
    return out;
  }

  openReport(server: string): Locator {
    return this.page.getByRole('button', { name: `Open report of ${server}` });
  }
}
