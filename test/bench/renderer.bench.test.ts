import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createScriptedTable } from '../e2e/harness/scripted-table';
import { rendererDir, startWizardSession, type WizardSession } from '../e2e/harness/wizard-session';
import { figure, settle, updateDocSection, updateResults, type Figure } from './measure';

// The renderer's weight (the built JS and CSS, gzip) and how soon its first screen is interactive in
// Chromium, from navigation start. `npm test` runs it quick (two loads, nothing written).
const quick = process.env.PORTWISE_BENCH_QUICK === '1';
const RUNS = quick ? 2 : 21;

/** The figure's: Chromium on a profile folder of its own, as Electron's window has its default session. */
let session: WizardSession;
/** For comparison: an off-the-record context, as the e2e tests use. */
let incognito: WizardSession;

beforeAll(async () => {
  session = await startWizardSession((sink) => createScriptedTable(sink), { profile: 'persistent' });
  incognito = await startWizardSession((sink) => createScriptedTable(sink));
});

afterAll(async () => {
  await session?.close();
  await incognito?.close();
});

interface Asset {
  file: string;
  bytes: number;
  gzipBytes: number;
}

const indexHtml = () => readFileSync(join(rendererDir, 'index.html'), 'utf8');

/** The entry script index.html loads (the first screen's code). */
function entryScript(): string {
  const entry = /<script[^>]*\ssrc="\.\/assets\/([^"]+\.js)"/.exec(indexHtml())?.[1];
  if (!entry) throw new Error('index.html names no entry script');
  return entry;
}

/**
 * The scripts the page loads before its first screen: the entry and the chunks it names for
 * modulepreload in index.html. The other screens are chunks of their own, fetched after the mark.
 */
function firstScreenScripts(): string[] {
  const preloads = [...indexHtml().matchAll(/<link[^>]*rel="modulepreload"[^>]*href="\.\/assets\/([^"]+\.js)"/g)];
  return [entryScript(), ...preloads.map((m) => m[1]!)];
}

/**
 * The interactive figure in phases, from the page's own timing: navigation start to the entry script
 * received; to its modules evaluated (the `portwise:script` mark in renderer/main.ts); the mount of the
 * first screen (`portwise:mounted`); and from there to `portwise:interactive`, which holds the mount's
 * effects (the focus of the target field, which makes the first style and layout), the first frame and its paint.
 */
const PHASES = ['script_received', 'script_evaluated', 'mount', 'first_frame'] as const;
type PhaseName = (typeof PHASES)[number];

/** One load of the app on a fresh page: navigation start to `portwise:interactive`, in phases. `entryUrlEnd`: a JS string literal. */
async function measureAppLoad(on: WizardSession, entryUrlEnd: string): Promise<{ interactive: number; loadEvent: number; phases: Record<PhaseName, number> }> {
  // A fresh page each time: the static server sends no-store, so nothing comes from a cache.
  const { page, problems } = await on.openPage();
  const handle = await page.waitForFunction(() => performance.getEntriesByName('portwise:interactive')[0]?.startTime ?? null, undefined, { polling: 10 });
  const at = (await handle.jsonValue()) as number;
  // The mark means what it says: the first screen's target field takes input at that point.
  await expect(page.getByLabel('Target').isEditable()).resolves.toBe(true);
  // A string, as this file is type-checked without the DOM's types.
  const marks = (await page.evaluate(`(() => {
    const mark = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
    const script = performance.getEntriesByType('resource').find((r) => r.name.endsWith(${entryUrlEnd}));
    return {
      load: performance.getEntriesByType('navigation')[0].loadEventEnd,
      received: script?.responseEnd ?? NaN,
      evaluated: mark('portwise:script'),
      mounted: mark('portwise:mounted'),
    };
  })()`)) as { load: number; received: number; evaluated: number; mounted: number };
  const phases = { script_received: marks.received, script_evaluated: marks.evaluated - marks.received, mount: marks.mounted - marks.evaluated, first_frame: at - marks.mounted };
  // A mark or the script's timing missing would make the phases measure nothing.
  expect(Object.values(phases).every((ms) => Number.isFinite(ms) && ms >= 0), JSON.stringify(marks)).toBe(true);
  await page.close();
  expect(problems).toEqual([]);
  return { interactive: at, loadEvent: marks.load, phases };
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
  const interactiveIncognito: number[] = [];
  const loaded: number[] = [];
  const phases: Record<PhaseName, number[]> = { script_received: [], script_evaluated: [], mount: [], first_frame: [] };
  let startedBusy = 0;
  const cores = cpus().length;
  const startQuiet = async () => {
    if (!(await settle(cores))) startedBusy++;
  };
  const entryUrlEnd = JSON.stringify(`/assets/${entryScript()}`);
  // Alternating, so that both profiles see the same machine; each load starts on a quiet machine,
  // not beside the teardown of the page before it (the app has one window).
  for (let i = 0; i < RUNS; i++) {
    await startQuiet();
    const load = await measureAppLoad(session, entryUrlEnd);
    for (const name of PHASES) phases[name].push(load.phases[name]);
    interactive.push(load.interactive);
    loaded.push(load.loadEvent);
    await startQuiet();
    interactiveIncognito.push((await measureAppLoad(incognito, entryUrlEnd)).interactive);
  }

  // The baseline: a fresh page, like each run above, loading a static file of the same server.
  const blank: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await startQuiet();
    // Its console has one 404, the browser's own request for /favicon.ico (a bare image has no icon link).
    const { page } = await session.openPage('favicon.svg');
    expect(await page.evaluate('document.contentType')).toBe('image/svg+xml');
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
    renderer_interactive_incognito_ms: figure(interactiveIncognito),
    /** Loads that began although the machine had not gone quiet within 3 s (see settle()). */
    renderer_loads_started_busy: startedBusy,
    renderer_load_event_ms: figure(loaded),
    renderer_blank_page_ms: figure(blank),
    renderer_phases_ms: Object.fromEntries(PHASES.map((name) => [name, figure(phases[name])])) as Record<PhaseName, Figure>,
  };
  console.log(JSON.stringify({ ...results, renderer: { ...results.renderer, files: undefined } }, null, 2));
  if (quick) return;
  updateResults(results);
  updateDocSection('renderer', renderSection(results));
});

function renderSection(r: { renderer: { js_bytes: number; js_gzip_bytes: number; css_bytes: number; css_gzip_bytes: number; js_first_screen_bytes: number; js_first_screen_gzip_bytes: number }; renderer_interactive_ms: Figure; renderer_interactive_incognito_ms: Figure; renderer_loads_started_busy: number; renderer_load_event_ms: Figure; renderer_blank_page_ms: Figure; renderer_phases_ms: Record<PhaseName, Figure> }): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const row = (name: string, f: Figure, note: string) => `| ${name} | ${f.median} | ${f.min} | ${f.max} | ${f.runs} | ${note} |`;
  const p = r.renderer_phases_ms;
  return [
    '## Renderer',
    '',
    `Measured on ${new Date().toISOString().slice(0, 10)}: the built renderer (\`out/renderer\`, minified) served on loopback with the app's CSP, in Debian's Chromium through playwright-core; \`window.portwise\` is the same handler table Electron registers (the diagnosis scripted, profiles and history real), so every call the first screen makes crosses a bridge, as it would cross IPC. Chromium runs on a profile folder of its own (a persistent profile, deleted after the run), as Electron runs the app's window on the default session of its userData folder. Before each load the bench waits, at most 3 s, for the machine to go quiet (both cores together busy under 25% of a 100 ms window), so that a load does not share the cores with the teardown of the page before it: ${r.renderer_loads_started_busy} of the ${r.renderer_interactive_ms.runs * 2 + r.renderer_blank_page_ms.runs} loads started without it. (A starting app's window shares them with the main process's own start instead, which no figure here includes.)`,
    '',
    `- JavaScript: ${kb(r.renderer.js_bytes)}, **${kb(r.renderer.js_gzip_bytes)} gzip** (target ≤ 150 KB), all chunks.`,
    `- Of it, what the page loads before its first screen (the entry and its modulepreloads): ${kb(r.renderer.js_first_screen_bytes)}, ${kb(r.renderer.js_first_screen_gzip_bytes)} gzip. The other screens are chunks of their own, fetched after the first screen is interactive. zod is not in it: the form takes its bounds, defaults and checks from zod-free modules the schemas are built from (shared/common/schema/limits.ts, target-text.ts), and test/unit/lint/first-screen-imports.test.ts fails if a first-screen module imports zod again.`,
    `- CSS: ${kb(r.renderer.css_bytes)}, ${kb(r.renderer.css_gzip_bytes)} gzip.`,
    '',
    '| figure | median ms | min | max | runs | what |',
    '|---|---|---|---|---|---|',
    row('renderer_interactive_ms', r.renderer_interactive_ms, 'navigation start to the first screen mounted and painted (`portwise:interactive` mark; the target field is then editable), a fresh page each run'),
    row('renderer_interactive_incognito_ms', r.renderer_interactive_incognito_ms, 'the same, in an off-the-record context of a launched browser (what the e2e tests use), alternating load by load with the row above: for comparison'),
    row('renderer_load_event_ms', r.renderer_load_event_ms, 'navigation start to the end of the load event'),
    row('renderer_blank_page_ms', r.renderer_blank_page_ms, 'the baseline: a fresh page, as above, loading a static SVG of the same server (no script), to its load event'),
    row('phase: script_received', p.script_received, 'navigation start to the entry script received (its resource timing)'),
    row('phase: script_evaluated', p.script_evaluated, "from there to the first screen's modules evaluated (`portwise:script`, the first line of renderer/main.ts)"),
    row('phase: mount', p.mount, 'the stores made and the first screen mounted (`portwise:mounted`)'),
    row('phase: first_frame', p.first_frame, "from there to the mark: the mount's effects (the target field's focus makes the first style and layout), the first frame and its paint"),
    '',
    'Up to 2026-11-25 the figure was measured in the off-the-record context, with medians of 315–381 ms in runs minutes apart. The app did not change; the measurement did. Measured alternately in the same runs, the off-the-record context is 100–130 ms slower in every phase, and its renderer processes use more CPU in the load window (from /proc, medians of two runs of 10 loads each: 570 and 890 ms against 390 and 440 ms; the browser process 200 and 280 ms against 190 and 210 ms); the cause lies in how Chromium runs off-the-record pages, or in how Playwright sets up such a context, and was not traced further. The app\'s window is never off the record, so the figure takes the persistent profile.',
    '',
    "The phases add up to the interactive figure, run by run. Where their time goes, from Chromium traces of single loads on this machine (taken in the off-the-record context): the entry script (110 KB) is parsed on a V8 worker thread while it arrives, some 40–50 ms, before its modules are evaluated; the mount makes the stores and the screen's 114 elements; and the first layout, which the focus forces, takes 50–90 ms of wall time but only about 20 ms of CPU: the rest waits on 34 font look-ups to the browser process (9 family matches and 13 render-style queries, one per font size and weight), which a fresh renderer makes once (a relayout of the same screen afterwards takes 1–3 ms). Across the load, the page's main thread gets about a third to a half of the wall time as CPU: on these 2 cores it shares the CPU with headless Chromium's browser process, which used some 320 ms of CPU per new page (/proc over five new pages: the hidden tab and window it builds, and Playwright's setup of the page), with its compositor, and with the test's Node process. Nothing on the first screen waits for a call across the bridge before it is painted (getAppInfo and listProfiles are answered whenever they are).",
    '',
    "Tried on 2026-11-25 and not kept, each measured alternately against the build it would replace on this machine (in the off-the-record context): the first screen's HTML written into index.html, so that it is laid out and painted before the script runs (the mount then replaced it; hydrating it instead would spare the mount, not the layout), was slower (median 363 against 339 ms over 20 loads each: its modules were evaluated 60 ms later, because the early layout and its font look-ups held the main thread while the script waited); short font stacks (`system-ui, sans-serif` and `monospace`) changed nothing measurable (329 against 306 ms over 30 loads, within the spread: the stacks' missing families cost under a millisecond of look-ups); and `focus({ preventScroll: true })` still forces the layout. Before 2026-11-25 the baseline row was measured wrong: it asked for `/` + `/favicon.svg`, which a URL parser reads as a host named favicon.svg and the path `/`, so it loaded index.html with its assets missing, after the app's own page. The note that the blank page \"pays the same\" as the app rested on that figure; measured as above, the baseline is the part of the figure that is Chromium's and the harness's, and the four phases show the rest.",
    '',
    "Also tried and not kept (same method): the first screen's two calls across the bridge (getAppInfo, listProfiles) held back until after the first frame, whose effect stayed within the spread (ahead in one run of 4 × 12 loads a side, behind in the next); and scripts served for revalidation (ETag, no-cache) instead of no-store, so that V8's code cache could serve them on later loads, with no measurable change. The app's `app://` scheme keeps the code cache off (Electron's default for custom schemes).",
    '',
  ].join('\n');
}
