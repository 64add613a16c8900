import { mkdtempSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/csp';
import { createHandlerTable } from '../../shared/node/handlers';
import { listenOnLoopback, startStaticServer, type StaticServer } from './harness/static-server';
import { rendererDir, startWizardSession, WAIT_MS, type WizardSession } from './harness/wizard-session';

/**
 * Issue 9 §1: the CSP is not only written right (unit tests read its text), the real Chromium
 * ENFORCES it on the real built page. Each probe plays an attacker who already controls a string
 * the page renders: inline script in its usual disguises, string-to-code, and reaching another
 * origin. "Another origin" is a second loopback server on another port (a different origin to the
 * page, and allowed by our network rules); it counts the requests it gets, so "blocked" means the
 * browser never asked, not that the request failed.
 *
 * The probes run through `page.evaluate`, which DevTools runs outside the page's `script-src`; what
 * they do (insert a script, set a handler attribute, call `eval`, load a URL) is judged by the page's
 * policy exactly as if the page's own code did it.
 *
 * Every probe also runs on a copy of the built page served with a weakened policy (the control):
 * there it must succeed, so a probe that proves nothing (a typo, a blocked-anyway URL) fails there.
 * The built page carries the policy twice, as a `<meta>` and as the response header the `app://`
 * handler sends; two more variants keep one of them only, so each is shown to hold by itself.
 */

interface Violation {
  effectiveDirective: string;
  blockedURI: string;
  disposition: string;
}

/** The page globals the in-page callbacks use (the node tsconfig has no DOM library on purpose). */
interface ProbeElement {
  textContent: string | null;
  innerHTML: string;
  src: string;
  href: string;
  onload: (() => void) | null;
  setAttribute(name: string, value: string): void;
  click(): void;
  append(...nodes: unknown[]): void;
}
interface ProbeWindow {
  /** Set by a probe that succeeded; never by the app. */
  __pwned?: string;
  /** The `securitypolicyviolation` events the page saw, kept by the listener `listen` adds. */
  __cspViolations?: Violation[];
  document: {
    body: ProbeElement;
    createElement(tag: string): ProbeElement;
    createRange(): { createContextualFragment(markup: string): unknown };
    addEventListener(type: string, listener: (event: Violation) => void): void;
  };
  eval(code: string): unknown;
  Function: new (body: string) => () => unknown;
  setTimeout(code: string | (() => void), ms: number): unknown;
  fetch(url: string): Promise<unknown>;
}

/** What a probe gets in the page: the other origin, and the mark it writes on success. */
interface ProbeArg {
  origin: string;
  mark: string;
}

interface Probe {
  id: string;
  /** The test's name: what the attacker tries. */
  title: string;
  /** The directive Chromium names in its violation event (its `effectiveDirective`). */
  directive: string;
  /** Loads a URL of the other origin when allowed. */
  remote: boolean;
  /**
   * Runs in the page; on success it sets `window.__pwned` to the mark (directly, or from the code
   * it smuggles in). Self-contained: Playwright sends its text.
   */
  run(arg: ProbeArg): unknown;
}

// The smuggled code, as an attacker writes it: `window.__pwned = "<mark>"`.
const PROBES: readonly Probe[] = [
  {
    id: 'script-element',
    title: 'a <script> made with createElement and textContent does not run',
    directive: 'script-src-elem',
    remote: false,
    run: ({ mark }) => {
      const w = globalThis as unknown as ProbeWindow;
      const script = w.document.createElement('script');
      script.textContent = `window.__pwned = ${JSON.stringify(mark)}`;
      w.document.body.append(script);
    },
  },
  {
    id: 'script-markup',
    title: 'a <script> in inserted markup (createContextualFragment, which runs scripts) does not run',
    directive: 'script-src-elem',
    remote: false,
    run: ({ mark }) => {
      const w = globalThis as unknown as ProbeWindow;
      w.document.body.append(w.document.createRange().createContextualFragment(`<script>window.__pwned = ${JSON.stringify(mark)}</script>`));
    },
  },
  {
    id: 'onerror-innerhtml',
    title: 'an <img onerror> set through innerHTML does not run its handler',
    directive: 'script-src-attr',
    remote: false,
    run: ({ mark }) => {
      const w = globalThis as unknown as ProbeWindow;
      const box = w.document.createElement('div');
      // `data:,` is an image source the policy allows and that fails to decode: the error event fires.
      box.innerHTML = `<img alt="" src="data:," onerror='window.__pwned = ${JSON.stringify(mark)}'>`;
      w.document.body.append(box);
    },
  },
  {
    id: 'onclick-attribute',
    title: 'an onclick handler attribute does not run when clicked',
    directive: 'script-src-attr',
    remote: false,
    run: ({ mark }) => {
      const w = globalThis as unknown as ProbeWindow;
      const button = w.document.createElement('button');
      button.setAttribute('onclick', `window.__pwned = ${JSON.stringify(mark)}`);
      w.document.body.append(button);
      button.click();
    },
  },
  {
    id: 'javascript-url',
    title: 'a javascript: link does not run when followed',
    directive: 'script-src-elem',
    remote: false,
    run: ({ mark }) => {
      const w = globalThis as unknown as ProbeWindow;
      const link = w.document.createElement('a');
      link.href = `javascript:window.__pwned = ${JSON.stringify(mark)}; void 0`;
      w.document.body.append(link);
      link.click();
    },
  },
  {
    id: 'eval',
    title: 'eval of a string, called from a page task, is refused',
    directive: 'script-src',
    remote: false,
    run: ({ mark }) => {
      const w = globalThis as unknown as ProbeWindow;
      // In a later task, not inside this evaluation: DevTools lets code it is evaluating right now
      // create code from strings whatever the policy says (its console must work), so only a call
      // made by the page on its own is a fair test.
      w.setTimeout(() => {
        try {
          w.eval(`window.__pwned = ${JSON.stringify(mark)}`);
        } catch {
          // EvalError: the refusal itself; the violation event says why.
        }
      }, 0);
    },
  },
  {
    id: 'new-function',
    title: 'new Function of a string, called from a page task, is refused',
    directive: 'script-src',
    remote: false,
    run: ({ mark }) => {
      const w = globalThis as unknown as ProbeWindow;
      // A later task, as for eval.
      w.setTimeout(() => {
        try {
          new w.Function(`window.__pwned = ${JSON.stringify(mark)}`)();
        } catch {
          // EvalError, as for eval.
        }
      }, 0);
    },
  },
  {
    id: 'settimeout-string',
    title: 'setTimeout with a string does not run it',
    directive: 'script-src',
    remote: false,
    run: ({ mark }) => {
      const w = globalThis as unknown as ProbeWindow;
      w.setTimeout(`window.__pwned = ${JSON.stringify(mark)}`, 0);
    },
  },
  {
    id: 'remote-script',
    title: 'a <script src> of another origin is never requested',
    directive: 'script-src-elem',
    remote: true,
    run: ({ origin, mark }) => {
      const w = globalThis as unknown as ProbeWindow;
      const script = w.document.createElement('script');
      // The other server answers with `window.__pwned = "<mark>"`.
      script.src = `${origin}/pwn.js?mark=${encodeURIComponent(mark)}`;
      w.document.body.append(script);
    },
  },
  {
    id: 'remote-image',
    title: 'an <img> of another origin is never requested',
    directive: 'img-src',
    remote: true,
    run: ({ origin, mark }) => {
      const w = globalThis as unknown as ProbeWindow;
      const image = w.document.createElement('img');
      image.onload = () => {
        w.__pwned = mark;
      };
      image.src = `${origin}/pixel.svg?mark=${encodeURIComponent(mark)}`;
      w.document.body.append(image);
    },
  },
  {
    id: 'remote-fetch',
    title: 'a fetch to another origin is never sent',
    directive: 'connect-src',
    remote: true,
    run: async ({ origin, mark }) => {
      const w = globalThis as unknown as ProbeWindow;
      try {
        await w.fetch(`${origin}/data?mark=${encodeURIComponent(mark)}`);
        w.__pwned = mark;
      } catch {
        // TypeError: Failed to fetch, the refusal as the page sees it.
      }
    },
  },
];

/** A second loopback origin that logs every request it gets and would serve each probe's payload. */
interface OtherOrigin {
  origin: string;
  /** `METHOD /path?query` of every request received, in order. */
  requests: string[];
  close(): Promise<void>;
}

async function startOtherOrigin(): Promise<OtherOrigin> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method ?? '?'} ${req.url ?? ''}`);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const mark = url.searchParams.get('mark') ?? '';
    // CORS open, so that when a policy allows the request nothing else stops it (the control relies on it).
    const headers = { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' };
    if (url.pathname === '/pwn.js') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' }).end(`window.__pwned = ${JSON.stringify(mark)};\n`);
    } else if (url.pathname === '/pixel.svg') {
      res.writeHead(200, { ...headers, 'Content-Type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
    } else {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
    }
  });
  return { ...(await listenOnLoopback(server)), requests };
}

/** The `<meta>` CSP of the built page: the variants without it cut exactly this element out. */
const META_CSP = /<meta\s+http-equiv="Content-Security-Policy"\s+content="[^"]*"\s*\/?>/g;

/** A copy of the built renderer without its `<meta>` CSP, so that only the response header governs it. */
async function copyWithoutMeta(into: string): Promise<string> {
  await cp(rendererDir, into, { recursive: true });
  const file = join(into, 'index.html');
  const html = await readFile(file, 'utf8');
  const found = html.match(META_CSP)?.length ?? 0;
  // Exactly one: if the build changes how it writes the policy, this says so instead of testing nothing.
  if (found !== 1) throw new Error(`Expected one <meta> CSP in ${join(rendererDir, 'index.html')}, found ${found}.`);
  await writeFile(file, html.replace(META_CSP, ''));
  return into;
}

interface Variant {
  id: string;
  title: string;
  url(): string;
  /** How many policies in force forbid the probes: Chromium checks, and reports, each one. */
  policies: number;
}

let session: WizardSession;
/** The browser context of the harness: the bridge (`window.portwise`) is installed in every page of it. */
let context: BrowserContext;
let page: Page;
let problems: string[];
let setupError: unknown;
/** Every strict variant points its probes here: it must never see a request. */
let forbidden: OtherOrigin;
/** The control's other origin, which its weakened policy allows. */
let permitted: OtherOrigin;
const servers: StaticServer[] = [];
const home = mkdtempSync(join(tmpdir(), 'pw-e2e-csp-'));
const urls = { headerOnly: '', metaOnly: '', weakened: '' };

const STRICT: readonly Variant[] = [
  { id: 'built', title: 'the built page as shipped (CSP header and <meta>)', url: () => session.url, policies: 2 },
  { id: 'header-only', title: 'the CSP response header alone (the <meta> cut out)', url: () => urls.headerOnly, policies: 1 },
  // The header keeps only what a <meta> cannot say, so the <meta> is the one policy that can refuse the probes.
  { id: 'meta-only', title: "the <meta> CSP alone (the header only says frame-ancestors 'none')", url: () => urls.metaOnly, policies: 1 },
];

beforeAll(async () => {
  try {
    session = await startWizardSession((sink) => createHandlerTable({ sink, appInfo: { name: 'Portwise', version: '0.0.0-e2e', platform: 'linux' }, env: { HOME: home, PORTWISE_HOME: join(home, 'portwise') } }));
    // The harness opens pages only on the built page; its first page gives the context to open the variants in.
    const first = await session.openPage();
    context = first.page.context();
    await first.page.close();
    if (first.problems.length > 0) throw new Error(`The built page did not load cleanly: ${first.problems.join('; ')}`);
    forbidden = await startOtherOrigin();
    permitted = await startOtherOrigin();
    const noMeta = await copyWithoutMeta(join(home, 'renderer-without-meta'));
    const headerOnly = await startStaticServer(noMeta, CONTENT_SECURITY_POLICY);
    servers.push(headerOnly);
    urls.headerOnly = headerOnly.url;
    const metaOnly = await startStaticServer(rendererDir, "frame-ancestors 'none'");
    servers.push(metaOnly);
    urls.metaOnly = metaOnly.url;
    // The control: what a careless policy allows (inline code, eval, the other origin).
    const weakPolicy = [
      "default-src 'self'",
      `script-src 'self' 'unsafe-inline' 'unsafe-eval' ${permitted.origin}`,
      "style-src 'self'",
      `img-src 'self' data: ${permitted.origin}`,
      `connect-src ${permitted.origin}`,
    ].join('; ');
    const weakened = await startStaticServer(noMeta, weakPolicy);
    servers.push(weakened);
    urls.weakened = weakened.url;
  } catch (error) {
    setupError = error;
  }
});

afterAll(async () => {
  await session?.close();
  for (const server of servers) await server.close();
  await forbidden?.close();
  await permitted?.close();
  await rm(home, { recursive: true, force: true });
  // Checked once more after everything settled: a request sent late would show here.
  expect(forbidden?.requests ?? []).toEqual([]);
});

beforeEach(async () => {
  if (setupError) throw setupError;
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  problems = [];
  // As the harness's openPage collects them, so each test loads only the page it probes.
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    // What a <meta> CSP always says: frame-ancestors works only as a header (which the app sends).
    if (/frame-ancestors' is ignored when delivered via a <meta> element/.test(message.text())) return;
    problems.push(`console ${message.type()}: ${message.text()}`);
  });
});

afterEach(async () => {
  if (setupError) return;
  await page.close();
  // Whatever a test did not expect on purpose: page errors, other console errors or warnings.
  expect(problems).toEqual([]);
});

/** Opens a variant in the test's page and waits until the app is up: it must boot under the policy. */
async function openVariant(url: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('heading', { level: 1 }).first().waitFor({ timeout: WAIT_MS });
  // The app itself breaks no rule of the policy (a violation would be a console error here).
  expect(problems).toEqual([]);
  await page.evaluate(() => {
    const w = globalThis as unknown as ProbeWindow;
    const seen: Violation[] = [];
    w.__cspViolations = seen;
    w.document.addEventListener('securitypolicyviolation', (event) => {
      seen.push({ effectiveDirective: event.effectiveDirective, blockedURI: event.blockedURI, disposition: event.disposition });
    });
  });
}

const violations = () => page.evaluate(() => (globalThis as unknown as ProbeWindow).__cspViolations ?? []);
const pwned = () => page.evaluate(() => (globalThis as unknown as ProbeWindow).__pwned ?? null);

/**
 * Drops the console errors Chromium prints for a CSP refusal from `problems`: expected in a probe's
 * test, while the after-test check still catches anything else.
 */
function dropRefusals(): void {
  const rest = problems.filter((p) => !/^console error: .*Content Security Policy/.test(p));
  problems.splice(0, problems.length, ...rest);
}

for (const variant of STRICT) {
  describe(`CSP enforced by Chromium: ${variant.title}`, () => {
    for (const probe of PROBES) {
      it(probe.title, async () => {
        await openVariant(variant.url());
        const mark = `${variant.id}:${probe.id}`;
        await page.evaluate(probe.run, { origin: forbidden.origin, mark });

        // Chromium says which rule refused it, once for each policy in force; the smuggled code never
        // ran and the other origin was never asked. Polled as one state, so a failure shows all three.
        const state = async () => ({
          refused: (await violations()).filter((v) => v.effectiveDirective === probe.directive && v.disposition === 'enforce' && (!probe.remote || v.blockedURI.startsWith(forbidden.origin))).length,
          pwned: await pwned(),
          requests: [...forbidden.requests],
        });
        await expect.poll(state, { timeout: WAIT_MS }).toEqual({ refused: variant.policies, pwned: null, requests: [] });
        // Nothing else was refused: the probe tested what its name says.
        expect((await violations()).length).toBe(variant.policies);
        // Chromium prints each refusal as a console error (not for eval: its EvalError says it): expected here.
        dropRefusals();
      });
    }
  });
}

describe('control: the same probes on a weakened policy succeed (so each probe above can fail)', () => {
  for (const probe of PROBES) {
    it(probe.title.replace(/(does not run|is never requested|is never sent|is refused)(.*)$/, 'gets through'), async () => {
      await openVariant(urls.weakened);
      const mark = `weakened:${probe.id}`;
      await page.evaluate(probe.run, { origin: permitted.origin, mark });
      await expect.poll(pwned, { timeout: WAIT_MS }).toBe(mark);
      if (probe.remote) expect(permitted.requests.some((r) => r.includes(`mark=${encodeURIComponent(mark)}`))).toBe(true);
      expect(await violations()).toEqual([]);
    });
  }
});

describe('a <script> set through innerHTML', () => {
  it('never runs, on the built page or on the weakened one (inert by the HTML parsing rules, not by the policy)', async () => {
    for (const url of [session.url, urls.weakened]) {
      await openVariant(url);
      const markup = `<script>window.__pwned = ${JSON.stringify(`innerhtml:${url}`)}</script>`;
      await page.evaluate((markup) => {
        const w = globalThis as unknown as ProbeWindow;
        const box = w.document.createElement('div');
        box.innerHTML = markup;
        w.document.body.append(box);
      }, markup);
      expect(await pwned()).toBeNull();
      // No refusal either: the parser never handed the script to the policy.
      expect(await violations()).toEqual([]);
    }
    // The payload is live code: the same markup through a path that runs scripts does run on the weakened page.
    await page.evaluate((markup) => {
      const w = globalThis as unknown as ProbeWindow;
      w.document.body.append(w.document.createRange().createContextualFragment(markup));
    }, `<script>window.__pwned = "live"</script>`);
    expect(await pwned()).toBe('live');
    expect(forbidden.requests).toEqual([]);
  });
});
