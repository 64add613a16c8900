import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/**
 * axe-core in a page of the app, without weakening its CSP: the library's source is evaluated
 * through the DevTools protocol (`page.evaluate` of the file's text), which a page's `script-src`
 * does not govern, instead of an inline `<script>` the policy would (rightly) refuse. axe's default
 * rules need no `eval`, so nothing else in the page changes.
 *
 * The results come back as plain data (the page's nodes stay in the page) and `formatViolations`
 * writes them so a failing test says what to fix: the rule, its impact, every offending element
 * by selector and axe's own summary of the failed checks (for contrast: both colours and the ratio).
 */

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');

/** WCAG 2.0, 2.1 and 2.2, levels A and AA (color-contrast is one of the wcag2aa rules). */
export const WCAG_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] as const;

export interface AxeNode {
  /** axe's CSS selector path for the element (one entry per frame or shadow root on the way). */
  target: string[];
  /** The element's opening tag, shortened by axe. */
  html: string;
  /** What failed, as axe words it ("Fix any of the following: ..."). */
  summary: string;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

export interface AxeReport {
  version: string;
  violations: AxeViolation[];
  /** Checks axe could not decide (e.g. a contrast over an image): for information, never a failure. */
  incomplete: AxeViolation[];
}

export interface AxeOptions {
  /** The rule tags to run; WCAG 2.x A and AA by default. */
  tags?: readonly string[];
  /** Limit the check to the elements matching this selector (the whole document by default). */
  include?: string;
}

let source: Promise<string> | undefined;

/** Loads axe into the page once (again after a navigation, which drops it). */
export async function injectAxe(page: Page): Promise<void> {
  const loaded = await page.evaluate(() => typeof (globalThis as unknown as { axe?: { run?: unknown } }).axe?.run === 'function');
  if (loaded) return;
  source ??= readFile(AXE_PATH, 'utf8');
  // An expression, not a function: the file's UMD wrapper sets `window.axe`. `void 0` keeps the
  // result serialisable whatever the file's last statement is.
  await page.evaluate(`${await source}\n;void 0;`);
}

/** Runs axe on the page (or part of it) with the given tags and returns its violations as data. */
export async function runAxe(page: Page, options: AxeOptions = {}): Promise<AxeReport> {
  await injectAxe(page);
  const tags = [...(options.tags ?? WCAG_AA_TAGS)];
  return page.evaluate(
    async ({ tags, include }) => {
      type RawNode = { target: unknown[]; html: string; failureSummary?: string };
      type RawResult = { id: string; impact?: string | null; help: string; helpUrl: string; nodes: RawNode[] };
      type Axe = {
        version: string;
        run(context: unknown, options: unknown): Promise<{ violations: RawResult[]; incomplete: RawResult[] }>;
      };
      const inPage = globalThis as unknown as { axe: Axe; document: unknown };
      const results = await inPage.axe.run(include ? { include: [include] } : inPage.document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations', 'incomplete'],
      });
      const plain = (list: RawResult[]) =>
        list.map((r) => ({
          id: r.id,
          impact: r.impact ?? null,
          help: r.help,
          helpUrl: r.helpUrl,
          nodes: r.nodes.map((n) => ({ target: n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))), html: n.html, summary: n.failureSummary ?? '' })),
        }));
      return { version: inPage.axe.version, violations: plain(results.violations), incomplete: plain(results.incomplete) };
    },
    { tags, include: options.include ?? null },
  );
}

/** The violations, one paragraph per rule, one line per element; '' when there are none. */
export function formatViolations(violations: readonly AxeViolation[], context = ''): string {
  if (violations.length === 0) return '';
  const count = violations.reduce((n, v) => n + v.nodes.length, 0);
  const lines = [`${violations.length} axe rule(s) failed on ${count} element(s)${context ? ` (${context})` : ''}:`];
  for (const [i, v] of violations.entries()) {
    lines.push('', `${i + 1}. ${v.id} [${v.impact ?? 'no impact given'}]: ${v.help}`, `   ${v.helpUrl}`);
    for (const node of v.nodes) {
      lines.push(`   - ${node.target.join(' ')}`, `     ${node.html}`);
      for (const line of node.summary.split('\n').filter(Boolean)) lines.push(`       ${line.trim()}`);
    }
  }
  return lines.join('\n');
}

export const THEMES = ['light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

/**
 * Switches the page to a theme (`prefers-color-scheme`) and waits until its colours are in place:
 * the page's colours change through (very short) CSS transitions, and a colour read before they end
 * is the old theme's.
 */
export async function useTheme(page: Page, theme: Theme): Promise<void> {
  await page.emulateMedia({ colorScheme: theme });
  await page.evaluate(async () => {
    type InPage = {
      requestAnimationFrame(callback: () => void): void;
      setTimeout(callback: () => void, ms: number): void;
      document: { getAnimations(): { finished: Promise<unknown> }[] };
    };
    const inPage = globalThis as unknown as InPage;
    const frame = () => new Promise<void>((done) => inPage.requestAnimationFrame(() => done()));
    await frame();
    await frame();
    const settled = Promise.all(inPage.document.getAnimations().map((a) => a.finished.catch(() => undefined)));
    await Promise.race([settled, new Promise<void>((done) => inPage.setTimeout(done, 2000))]);
  });
}

/**
 * Runs axe in each theme (both by default) and fails with every violation of each, formatted: the
 * state and theme, then rule, impact, elements and what to fix. Leaves the page in the light theme.
 */
export async function expectNoAxeViolations(page: Page, state: string, themes: readonly Theme[] = THEMES, options: AxeOptions = {}): Promise<void> {
  const failures: string[] = [];
  for (const theme of themes) {
    await useTheme(page, theme);
    const report = await runAxe(page, options);
    const message = formatViolations(report.violations, `${state}, ${theme} theme, axe-core ${report.version}`);
    if (message) failures.push(message);
  }
  await useTheme(page, 'light');
  if (failures.length > 0) throw new Error(failures.join('\n\n'));
}
