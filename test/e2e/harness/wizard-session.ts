import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { CONTENT_SECURITY_POLICY } from '../../../electron/main/csp';
import type { EventSink, HandlerTable } from '../../../shared/node/handlers';
import { installPortwiseBridge, launchChromium, launchPersistentChromium, PageEventRelay, type PortwiseBridge } from './bridge';
import { startStaticServer, type StaticServer } from './static-server';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

/** One browser, one static server and one handler table for a test file; a fresh page per test. */

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const rendererDir = join(repoRoot, 'out/renderer');
export const screenshotDir = join(repoRoot, 'test-results/e2e');
export const WAIT_MS = 20_000;

export interface WizardSession {
  url: string;
  relay: PageEventRelay;
  bridge: PortwiseBridge;
  table: HandlerTable & { dispose(): void };
  /**
   * Opens the app in a new page (or `path`, relative to `url`: a static file for a baseline);
   * `problems` collects page errors and console errors/warnings.
   */
  openPage(path?: string): Promise<{ page: Page; problems: string[] }>;
  close(): Promise<void>;
}

export interface WizardSessionOptions {
  /**
   * `incognito` (the tests' default): one browser, an off-the-record context. `persistent`: a browser
   * on a profile folder of its own, deleted on close, like Electron's window on its default session.
   */
  profile?: 'incognito' | 'persistent';
}

export async function startWizardSession(createTable: (sink: EventSink) => HandlerTable & { dispose(): void }, options: WizardSessionOptions = {}): Promise<WizardSession> {
  // Never skip: a missing build is a failure with the fix in the message.
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`The built renderer is missing (${join(rendererDir, 'index.html')}). Run "npm run build" first; "npm run test:e2e" does it for you.`);
  }
  await mkdir(screenshotDir, { recursive: true });
  let server: StaticServer | undefined;
  let browser: { close(): Promise<void> } | undefined;
  const relay = new PageEventRelay();
  const table = createTable(relay);
  const contextOptions = { viewport: { width: 1180, height: 860 }, colorScheme: 'light', reducedMotion: 'reduce' } as const;
  try {
    server = await startStaticServer(rendererDir, CONTENT_SECURITY_POLICY);
    let context: BrowserContext;
    if (options.profile === 'persistent') {
      const profileDir = await mkdtemp(join(tmpdir(), 'portwise-chromium-'));
      const persistent = await launchPersistentChromium(profileDir, contextOptions).catch(async (error: unknown) => {
        await rm(profileDir, { recursive: true, force: true });
        throw error;
      });
      browser = {
        close: async () => {
          try {
            await persistent.close();
          } finally {
            await rm(profileDir, { recursive: true, force: true });
          }
        },
      };
      context = persistent;
    } else {
      const launched: Browser = await launchChromium();
      browser = launched;
      context = await launched.newContext(contextOptions);
    }
    const bridge = await installPortwiseBridge(context, table, relay);
    const url = server.url;
    const started = { server, browser };
    return {
      url,
      relay,
      bridge,
      table,
      async openPage(path = '') {
        const page = await context.newPage();
        page.setDefaultTimeout(WAIT_MS);
        const problems: string[] = [];
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        page.on('console', (message: ConsoleMessage) => {
          if (message.type() !== 'error' && message.type() !== 'warning') return;
          // The one message a meta CSP always causes: frame-ancestors works only as a header (it is sent).
          if (/frame-ancestors' is ignored when delivered via a <meta> element/.test(message.text())) return;
          problems.push(`console ${message.type()}: ${message.text()}`);
        });
        await page.goto(new URL(path, url).href);
        return { page, problems };
      },
      async close() {
        table.dispose();
        relay.close();
        await started.browser.close();
        await started.server.close();
      },
    };
  } catch (error) {
    table.dispose();
    relay.close();
    await browser?.close();
    await server?.close();
    throw error;
  }
}

export interface SessionContext {
  session: WizardSession;
  page: Page;
  problems: string[];
  setupError?: unknown;
}

/**
 * Registers the usual hooks: one browser session per file, a fresh page per test, and after each
 * test no CSP violation, uncaught error or console error. A setup failure fails every test by name.
 */
export function useWizardSession(createTable: (sink: EventSink) => HandlerTable & { dispose(): void }): SessionContext {
  const ctx = {} as SessionContext;
  beforeAll(async () => {
    try {
      ctx.session = await startWizardSession(createTable);
    } catch (error) {
      ctx.setupError = error;
    }
  });
  afterAll(async () => {
    await ctx.session?.close();
  });
  beforeEach(async () => {
    if (ctx.setupError) throw ctx.setupError;
    ({ page: ctx.page, problems: ctx.problems } = await ctx.session.openPage());
  });
  afterEach(async () => {
    if (ctx.setupError) return;
    await ctx.page.close();
    expect(ctx.problems).toEqual([]);
  });
  return ctx;
}
