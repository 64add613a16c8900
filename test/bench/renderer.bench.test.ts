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

function renderSection(r: { renderer: { js_bytes: number; js_gzip_bytes: number; css_bytes: number; css_gzip_bytes: number }; renderer_interactive_ms: Figure; renderer_load_event_ms: Figure; renderer_blank_page_ms: Figure }): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const row = (name: string, f: Figure, note: string) => `| ${name} | ${f.median} | ${f.min} | ${f.max} | ${f.runs} | ${note} |`;
  return [
    '## Renderer',
    '',
    `Measured on ${new Date().toISOString().slice(0, 10)}: the built renderer (\`out/renderer\`, minified) served on loopback with the app's CSP, in Debian's Chromium through playwright-core; \`window.portwise\` is the same handler table Electron registers (the diagnosis scripted, profiles and history real), so every call the first screen makes crosses a bridge, as it would cross IPC.`,
    '',
    `- JavaScript: ${kb(r.renderer.js_bytes)}, **${kb(r.renderer.js_gzip_bytes)} gzip** (target ≤ 150 KB).`,
    `- CSS: ${kb(r.renderer.css_bytes)}, ${kb(r.renderer.css_gzip_bytes)} gzip.`,
    '',
    '| figure | median ms | min | max | runs | what |',
    '|---|---|---|---|---|---|',
    row('renderer_interactive_ms', r.renderer_interactive_ms, 'navigation start to the first screen mounted and painted (`portwise:interactive` mark; the target field is then editable), a fresh page each run'),
    row('renderer_load_event_ms', r.renderer_load_event_ms, 'navigation start to the end of the load event'),
    row('renderer_blank_page_ms', r.renderer_blank_page_ms, "Chromium's own share: the same page navigating to a static file of the same server (no script), to its load event"),
    '',
    "Where the time goes, from a Chromium CPU profile of one load (on this machine): about 75 ms of navigation, 125 ms waiting for the script and the stylesheet from the test's server, about 100 ms running the bundle (mounting the first screen included), then some 150 ms with the main thread idle before the first frame is drawn (not traced further: headless Chromium's frame scheduling and the first calls across the bridge are the candidates), and the paint. The renderer's own code is the smaller part: splitting the other screens out of the first bundle would save some of its 100 ms, not the waits.",
    '',
  ].join('\n');
}
