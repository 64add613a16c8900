// The Electron checklist on the BUILT renderer (out/renderer), not on the sources: the CSP the page
// really ships (its <meta> and the app:// handler's header), and the app:// handler serving the real
// build folder, with real files just outside it that a traversal would reach.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAppProtocolHandler } from '../../../electron/main/app-protocol-handler';
import { CONTENT_SECURITY_POLICY } from '../../../electron/main/csp';
import { filesUnder, outDir, rendererDir, repoRoot, requireBuilt } from './built-output';
import { cspFindings, parseCsp } from './csp-policy';
import { all, parseHtml, type DomDocument, type DomElement } from '../../shared/read-markup';

// jsdom ships no types and this file is type-checked without the DOM library: the little used is declared.
// Node.DOCUMENT_POSITION_FOLLOWING: `other` comes after the node in document order.
const FOLLOWING = 4;

let html: string;
let doc: DomDocument;

beforeAll(() => {
  html = readFileSync(requireBuilt(join(rendererDir, 'index.html')), 'utf8');
  doc = parseHtml(html);
});

describe('CSP of the built page', () => {
  const cspMetas = () => all(doc, 'meta').filter((m) => m.getAttribute('http-equiv')?.toLowerCase() === 'content-security-policy');

  it('out/renderer/index.html carries one CSP <meta>, before any script or stylesheet it must cover', () => {
    const metas = cspMetas();
    expect(metas).toHaveLength(1);
    const [meta] = metas as [DomElement];
    // A <meta> CSP applies only to what comes after it in the document.
    for (const el of all(doc, 'script, link, style')) {
      expect(meta.compareDocumentPosition(el) & FOLLOWING, `<${el.localName}> before the CSP <meta>`).toBe(FOLLOWING);
    }
  });

  it('the <meta> policy denies inline script, eval and every remote origin', () => {
    const policy = cspMetas()[0]?.getAttribute('content') ?? '';
    expect(cspFindings(policy, ['img-src'])).toEqual([]);
    expect(parseCsp(policy).get('script-src')).toEqual(["'self'"]);
    expect(parseCsp(policy).get('connect-src')).toEqual(["'none'"]);
  });

  it('the <meta> and the app:// header are the same policy', () => {
    expect(cspMetas()[0]?.getAttribute('content')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('the checker itself rejects the usual ways a policy opens up', () => {
    // So an empty list above means something: each weakening is found.
    const weak = [
      "default-src 'none'; script-src 'self' 'unsafe-inline'",
      "default-src 'none'; script-src 'self' 'unsafe-eval'",
      "default-src 'none'; script-src 'self' 'nonce-abc'",
      "default-src 'none'; script-src 'self' https://cdn.example",
      "default-src 'none'; script-src 'self' https:",
      "default-src 'none'; connect-src *",
      "default-src 'none'; connect-src wss://evil.example",
      "default-src 'none'; img-src data: https://evil.example",
      "default-src 'none'; script-src 'self' data:",
      "default-src 'self' https://evil.example",
      "script-src 'self'",
      `${CONTENT_SECURITY_POLICY}; object-src https://evil.example`,
      CONTENT_SECURITY_POLICY.replace("base-uri 'none'", "base-uri 'self'"),
    ];
    for (const policy of weak) expect(cspFindings(policy, ['img-src']), policy).not.toEqual([]);
  });

  it('the built page has no inline script, no inline handler and no remote reference', () => {
    const scripts = all(doc, 'script');
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      expect(script.getAttribute('src'), 'an inline <script>').toMatch(/^\.?\/[^/]/);
      expect(script.textContent?.trim()).toBe('');
    }
    for (const el of all(doc, '*')) {
      for (const { name, value } of Array.from(el.attributes)) {
        expect(name.toLowerCase().startsWith('on'), `<${el.localName} ${name}>`).toBe(false);
        if (['src', 'href', 'action', 'formaction'].includes(name.toLowerCase())) {
          // Only paths of our own origin: no scheme (https:, javascript:, data:) and no `//host`.
          expect(value, `<${el.localName} ${name}="${value}">`).toMatch(/^(\.?\/)?[\w.-][\w./-]*$/);
        }
      }
    }
    expect(all(doc, 'style'), 'an inline <style>').toEqual([]);
    expect(all(doc, 'base, iframe, object, embed, webview')).toEqual([]);
  });
});

describe('app:// handler serving the built renderer', () => {
  const handler = () => createAppProtocolHandler(rendererDir);
  // `new Request` (and Chromium) normalise `..` away before a handler sees it; a raw object is what a
  // handler would get if they did not, so the handler's own check is what is tested.
  const rawGet = (url: string) => handler()({ url, method: 'GET' } as Request);

  it('serves every built file with the CSP, nosniff and no-referrer headers', async () => {
    const files = filesUnder(rendererDir);
    expect(files).toContain('index.html');
    for (const file of files) {
      const res = await handler()(new Request(`app://portwise/${file}`));
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-security-policy'), file).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options'), file).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), file).toBe('no-referrer');
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(rendererDir, file))), file).toBe(true);
    }
  });

  it('every script and stylesheet the page names is served from the bundle', async () => {
    const refs = [...all(doc, 'script[src]').map((s) => s.getAttribute('src')), ...all(doc, 'link[href]').map((l) => l.getAttribute('href'))];
    for (const ref of refs) {
      const res = await handler()(new Request(new URL(ref ?? '', 'app://portwise/index.html')));
      expect(res.status, ref ?? '').toBe(200);
    }
  });

  // Real files next to the renderer folder: what a working traversal would hand to the page.
  const mainJs = join(outDir, 'main', 'index.js');
  const preloadJs = join(outDir, 'preload', 'index.cjs');
  const outside = [
    ['../preload/index.cjs', preloadJs],
    ['../main/index.js', mainJs],
    ['assets/../../main/index.js', mainJs],
    ['%2e%2e/preload/index.cjs', preloadJs],
    ['%2E%2E/main/index.js', mainJs],
    ['.%2e/main/index.js', mainJs],
    ['%2e./main/index.js', mainJs],
    ['..%2fmain%2findex.js', mainJs],
    ['..%2Fpreload%2Findex.cjs', preloadJs],
    ['..%5cmain%5cindex.js', mainJs],
    ['..\\main\\index.js', mainJs],
    ['assets\\..\\..\\main\\index.js', mainJs],
    ['%2e%2e%5cmain%5cindex.js', mainJs],
    ['..%c0%afmain/index.js', mainJs],
    ['/' + mainJs.slice(1), mainJs],
    [encodeURIComponent(mainJs), mainJs],
    [mainJs.slice(1).split('/').join('%2F'), mainJs],
    // Windows drive paths: refused on every platform, so the check does not depend on where it runs.
    ['C:/Windows/win.ini', mainJs],
    ['C%3A%5CWindows%5Cwin.ini', mainJs],
    ['index.html%00.js', join(rendererDir, 'index.html')],
  ] as const;

  it.each(outside)('refuses the traversal app://portwise/%s, and sends none of the file', async (path, target) => {
    const content = readFileSync(requireBuilt(target), 'utf8');
    const res = await rawGet(`app://portwise/${path}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const body = await res.text();
    expect(body).not.toContain(content.slice(0, 200));
    // Nor a local path the page could learn the layout from.
    expect(body).not.toContain(repoRoot);
  });

  it('a traversal that the URL parser normalises lands inside the bundle, never outside it', async () => {
    // What Chromium hands the handler: `..` already resolved against the root, so it can only name a
    // file in out/renderer (here a missing one).
    const res = await handler()(new Request('app://portwise/../../main/index.js'));
    expect(new URL('app://portwise/../../main/index.js').pathname).toBe('/main/index.js');
    expect(res.status).toBe(404);
  });

  it.each([
    ['another host', 'app://evil/index.html'],
    ['a look-alike host', 'app://portwise.evil/index.html'],
    ['a host with our name as a prefix', 'app://portwise-evil/index.html'],
    ['user info', 'app://user@portwise/index.html'],
    ['our name as user info', 'app://portwise@evil/index.html'],
    ['a port', 'app://portwise:443/index.html'],
    ['no host', 'app:///index.html'],
    ['an empty authority and an absolute path', `app:///${mainJs}`],
    ['a host that is an IP', 'app://127.0.0.1/index.html'],
  ])('refuses %s (%s)', async (_label, url) => {
    const res = await rawGet(url);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('<title>Portwise</title>');
  });

  it('the traversal targets are really there, so the refusals above are not just misses', () => {
    for (const [, target] of outside) expect(() => requireBuilt(target)).not.toThrow();
    expect(readFileSync(join(rendererDir, 'index.html'), 'utf8')).toContain('<title>Portwise</title>');
  });
});
