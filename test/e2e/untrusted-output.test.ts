import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlerTable } from '../../shared/node/handlers';
import { openHistoryStore } from '../../shared/node/store/history-store';
import { HOSTILE, hostileReport } from '../unit/injection/hostile-server';
import { screenshotDir as shots, useWizardSession, WAIT_MS } from './harness/wizard-session';

/**
 * Remote output is text in the UI too. A diagnosis of a server that prints markup (every command's
 * output, its journal, process and container names, even its login label; test/unit/injection/
 * hostile-server.ts) is in the history; it is opened in Chromium with every evidence section
 * expanded. No element or attribute may come from the server, no handler may have run (each payload
 * would set `window.__pwned`), and every line must show as the text it is. The session's hooks also
 * fail the test on any CSP violation a smuggled handler would cause.
 */

const home = mkdtempSync(join(tmpdir(), 'pw-e2e-untrusted-'));
const portwiseHome = join(home, 'portwise');
const ctx = useWizardSession((sink) => createHandlerTable({ sink, appInfo: { name: 'Portwise', version: '0.0.0-e2e', platform: 'linux' }, env: { HOME: home, PORTWISE_HOME: portwiseHome, USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' } }));

beforeAll(async () => {
  await openHistoryStore({ env: { PORTWISE_HOME: portwiseHome } }).save(await hostileReport());
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

interface Smuggled {
  elements: string[];
  attributes: string[];
  pwned: unknown;
  text: string;
}

/** What in the page could have come from markup: elements that load or run, handlers, payload attributes. */
const inspectPage = () =>
  ctx.page.evaluate((): Smuggled => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ localName: string; outerHTML: string; attributes: ArrayLike<{ name: string; value: string }> }>; body: { innerText: string } } }).document;
    const elements = Array.from(doc.querySelectorAll('img, iframe, object, embed, frame, meta[http-equiv="refresh"], body script, body style, body link, textarea, a[href^="javascript" i]')).map((e) => e.outerHTML.slice(0, 200));
    const attributes: string[] = [];
    for (const el of Array.from(doc.querySelectorAll('*'))) {
      for (const a of Array.from(el.attributes)) {
        // A name from the payload (a handler, autofocus), or a link or source that runs or loads it. The
        // payload inside the app's own text attributes (an aria-label naming the command) is text.
        const fromPayload = /^on/i.test(a.name) || a.name === 'autofocus';
        const runs = /^(href|src|srcdoc|action|formaction|xlink:href|style)$/i.test(a.name) && /__pwned|javascript:|198\.18\.0\.254/i.test(a.value);
        if (fromPayload || runs) attributes.push(`<${el.localName} ${a.name}="${a.value.slice(0, 80)}">`);
      }
    }
    return { elements, attributes, pwned: (globalThis as unknown as { __pwned?: unknown }).__pwned, text: doc.body.innerText };
  });

describe('remote output shown in the UI', () => {
  it('a saved diagnosis of a server that prints markup shows it as text, with nothing run or loaded', async () => {
    const page = ctx.page;
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'History', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'History' }).waitFor();
    await page.getByRole('button', { name: /^Open / }).first().click();
    await page.getByRole('heading', { level: 2 }).first().waitFor({ timeout: WAIT_MS });
    // Every evidence item and its raw output, opened as a person would.
    const closed = page.locator('details:not([open]) > summary');
    for (let i = 0; i < 200 && (await closed.count()) > 0; i++) await closed.first().click();
    expect(await closed.count()).toBe(0);
    await page.getByRole('region', { name: /^Raw output of / }).first().waitFor();
    await page.screenshot({ path: join(shots, '90-untrusted-output.png'), fullPage: true });

    const seen = await inspectPage();
    expect(seen.elements).toEqual([]);
    expect(seen.attributes).toEqual([]);
    expect(seen.pwned).toBeUndefined();
    // Shown as written (innerText may fold a line's spaces, not its characters).
    for (const line of HOSTILE) expect(seen.text, line).toContain(line);
  });

  it('the check sees a handler that did get in', async () => {
    const page = ctx.page;
    await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { body: { insertAdjacentHTML(where: string, html: string): void } } }).document;
      doc.body.insertAdjacentHTML('beforeend', '<span onpwned="x"></span><a href="javascript:void 0">x</a><img alt="">');
    });
    const seen = await inspectPage();
    // (Handlers that are not events of the platform, so the page's CSP has nothing to refuse here.)
    expect(seen.elements).toHaveLength(2);
    expect(seen.attributes).toEqual(['<span onpwned="x">', '<a href="javascript:void 0">']);
  });
});
