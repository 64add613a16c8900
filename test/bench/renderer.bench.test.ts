import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createScriptedTable } from '../e2e/harness/scripted-table';
import { rendererDir, startWizardSession, type WizardSession } from '../e2e/harness/wizard-session';
import { figure, updateDocSection, updateResults, type Figure } from './measure';

// The renderer's weight (the built JS and CSS, gzip) and how soon its first screen is interactive in
// Chromium, from navigation start. `npm test` runs it quick (two loads, nothing written).
const quick = process.env.PORTWISE_BENCH_QUICK === '1';
const RUNS = quick ? 2 : 9;

let session: WizardSession;

beforeAll(async () => {
  session = await startWizardSession((sink) => createScriptedTable(sink));
});

afterAll(async () => {
  await session?.close();
});

interface Asset {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/**
 * The scripts the page loads before its first screen: the entry and the chunks it names for
 * modulepreload in index.html. The other screens are chunks of their own, fetched after the mark.
 */
function firstScreenScripts(): string[] {
  const html = readFileSync(join(rendererDir, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/<script[^>]*\ssrc="\.\/assets\/([^"]+\.js)"/g), ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="\.\/assets\/([^"]+\.js)"/g)];
  return refs.map((m) => m[1]!);
}

function assets(ext: '.js' | '.css'): Asset[] {
  const dir = join(rendererDir, 'assets');
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .map((file) => {
      const text = readFileSync(join(dir, file));
      return { file, bytes: text.length, gzipBytes: gzipSync(text).length };
    });
}

it('measures the renderer: gzip size of the built JS and CSS, navigation to the first screen interactive', async () => {
  const js = assets('.js');
  const css = assets('.css');
  expect(js.length).toBeGreaterThan(0);
  const firstNames = firstScreenScripts();
  const first = js.filter((a) => firstNames.includes(a.file));
  // Every script index.html names is a built file: the breakdown cannot silently count nothing.
  expect(first.map((a) => a.file).sort()).toEqual([...firstNames].sort());

  const interactive: number[] = [];
  const loaded: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // A fresh page each time: the static server sends no-store, so nothing comes from a cache.
    const { page, problems } = await session.openPage();
    const handle = await page.waitForFunction(() => performance.getEntriesByName('portwise:interactive')[0]?.startTime ?? null, undefined, { polling: 10 });
    const at = (await handle.jsonValue()) as number;
    // The mark means what it says: the first screen's target field takes input at that point.
    await expect(page.getByLabel('Target').isEditable()).resolves.toBe(true);
    // A page-side expression (the test's types have no DOM): the navigation entry's load event end.
    const load = Number(await page.evaluate(`performance.getEntriesByType('navigation')[0].loadEventEnd`));
    interactive.push(at);
    loaded.push(load);
    await page.close();
    expect(problems).toEqual([]);
  }

  // Chromium's own share on this machine: a new page navigating to a static file of the same server
  // (no script) and reaching its load event. What the renderer adds is the difference.
  const blank: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { page } = await session.openPage();
    await page.goto(`${session.url}/favicon.svg`);
    blank.push(Number(await page.evaluate(`performance.getEntriesByType('navigation')[0].loadEventEnd`)));
    await page.close();
  }

  const sum = (list: Asset[], key: 'bytes' | 'gzipBytes') => list.reduce((n, a) => n + a[key], 0);
  const results = {
    renderer: {
      js_bytes: sum(js, 'bytes'),
      js_gzip_bytes: sum(js, 'gzipBytes'),
      css_bytes: sum(css, 'bytes'),
      css_gzip_bytes: sum(css, 'gzipBytes'),
      js_first_screen_bytes: sum(first, 'bytes'),
      js_first_screen_gzip_bytes: sum(first, 'gzipBytes'),
      files: [...js, ...css],
    },
    renderer_interactive_ms: figure(interactive),
    renderer_load_event_ms: figure(loaded),
    renderer_blank_page_ms: figure(blank),
  };
  console.log(JSON.stringify({ ...results, renderer: { ...results.renderer, files: undefined } }, null, 2));
  if (quick) return;
  updateResults(results);
  updateDocSection('renderer', renderSection(results));
});

function renderSection(r: { renderer: { js_bytes: number; js_gzip_bytes: number; css_bytes: number; css_gzip_bytes: number; js_first_screen_bytes: number; js_first_screen_gzip_bytes: number }; renderer_interactive_ms: Figure; renderer_load_event_ms: Figure; renderer_blank_page_ms: Figure }): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const row = (name: string, f: Figure, note: string) => `| ${name} | ${f.median} | ${f.min} | ${f.max} | ${f.runs} | ${note} |`;
  return [
    '## Renderer',
    '',
    `Measured on ${new Date().toISOString().slice(0, 10)}: the built renderer (\`out/renderer\`, minified) served on loopback with the app's CSP, in Debian's Chromium through playwright-core; \`window.portwise\` is the same handler table Electron registers (the diagnosis scripted, profiles and history real), so every call the first screen makes crosses a bridge, as it would cross IPC.`,
    '',
    `- JavaScript: ${kb(r.renderer.js_bytes)}, **${kb(r.renderer.js_gzip_bytes)} gzip** (target ≤ 150 KB), all chunks.`,
    `- Of it, what the page loads before its first screen (the entry and its modulepreloads): ${kb(r.renderer.js_first_screen_bytes)}, ${kb(r.renderer.js_first_screen_gzip_bytes)} gzip. The other screens are chunks of their own, fetched after the first screen is interactive.`,
    `- CSS: ${kb(r.renderer.css_bytes)}, ${kb(r.renderer.css_gzip_bytes)} gzip.`,
    '',
    '| figure | median ms | min | max | runs | what |',
    '|---|---|---|---|---|---|',
    row('renderer_interactive_ms', r.renderer_interactive_ms, 'navigation start to the first screen mounted and painted (`portwise:interactive` mark; the target field is then editable), a fresh page each run'),
    row('renderer_load_event_ms', r.renderer_load_event_ms, 'navigation start to the end of the load event'),
    row('renderer_blank_page_ms', r.renderer_blank_page_ms, "Chromium's own share: the same page navigating to a static file of the same server (no script), to its load event"),
    '',
    "Where the time goes, from Chromium traces of single loads on this machine (thread CPU time, which holds up under load better than wall time): the page's main thread spent about 220–250 ms of CPU between navigation and the mark while zod was on the first screen. About 110 ms of it was running the script: building the IPC contract's zod schemas (zod was some 40% of the first screen's JS; the form took its limits from that contract) and mounting the first screen. zod has since left the first screen: the form takes its bounds, defaults and checks from zod-free modules the schemas are built from (shared/common/schema/limits.ts, target-text.ts), zod comes with the later screens' chunk after the mark, and a unit test (test/unit/lint/first-screen-imports.test.ts) fails if a first-screen module imports it again. The first layout takes some 70 ms of wall time but only about 20 ms of CPU: the rest waits on about 34 synchronous font look-ups to the browser process, which a fresh renderer makes once (a relayout of the same 114-element screen afterwards takes 1–3 ms). The remainder of the figure is waiting, not the renderer's code: for the script from the test's server (its Node event loop is shared with Playwright and the bridge), for V8's background compile, and for the CPU itself: for each new page, headless Chromium's browser process used some 320 ms of CPU (/proc over five new pages: the hidden tab and window it builds, and Playwright's setup of the page), and its omnibox-popup WebUI renderer 20–30 ms more, on the same 2 cores as the page; an Electron window has no browser UI and no Playwright. The blank page pays the same, which is why it moves with the figure from run to run. Nothing on the first screen waits for a call across the bridge before it is painted (getAppInfo and listProfiles are answered whenever they are). The other screens are one chunk loaded after the mark (see the first-screen JavaScript above); against the single bundle it had before, that saved some 20 ms of main-thread CPU per load, not the waits.",
    '',
  ].join('\n');
}
