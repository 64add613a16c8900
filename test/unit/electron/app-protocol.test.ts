import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, isAppUrl, resolveAppRequest } from '../../../electron/main/app-protocol';
import { APP_RESPONSE_HEADERS, APP_SCHEME_PRIVILEGES, createAppProtocolHandler, registerAppSchemeAsPrivileged } from '../../../electron/main/app-protocol-handler';
import { CONTENT_SECURITY_POLICY } from '../../../electron/main/csp';

const root = resolve('/srv/portwise/out/renderer');

describe('resolveAppRequest', () => {
  it('serves index.html for the entry URL and for the bare origin', () => {
    expect(resolveAppRequest(APP_ENTRY_URL, root)).toEqual({ ok: true, filePath: join(root, 'index.html'), mime: 'text/html; charset=utf-8' });
    expect(resolveAppRequest('app://portwise/', root)).toMatchObject({ ok: true, filePath: join(root, 'index.html') });
    expect(resolveAppRequest('app://portwise', root)).toMatchObject({ ok: true, filePath: join(root, 'index.html') });
  });

  it('serves bundled assets with their MIME type and ignores query and fragment', () => {
    expect(resolveAppRequest('app://portwise/assets/index-Ab12.js?v=1#x', root)).toEqual({
      ok: true,
      filePath: join(root, 'assets', 'index-Ab12.js'),
      mime: 'text/javascript; charset=utf-8',
    });
    expect(resolveAppRequest('app://portwise/assets/index.css', root)).toMatchObject({ ok: true, mime: 'text/css; charset=utf-8' });
    expect(resolveAppRequest('app://portwise/assets/font.woff2', root)).toMatchObject({ ok: true, mime: 'font/woff2' });
    expect(resolveAppRequest('app://portwise/icon.SVG', root)).toMatchObject({ ok: true, mime: 'image/svg+xml' });
  });

  it('decodes the path exactly once', () => {
    expect(resolveAppRequest('app://portwise/assets/my%20file.png', root)).toMatchObject({ ok: true, filePath: join(root, 'assets', 'my file.png') });
    // `%252e%252e` decodes once to the literal name `%2e%2e`, a harmless (missing) folder inside root.
    expect(resolveAppRequest('app://portwise/%252e%252e/secret.txt', root)).toMatchObject({ ok: true, filePath: join(root, '%2e%2e', 'secret.txt') });
  });

  it.each([
    ['app://portwise/../secret.txt'],
    ['app://portwise/assets/../../secret.txt'],
    ['app://portwise/%2e%2e/secret.txt'],
    ['app://portwise/%2E%2e/%2e%2E/etc/passwd.txt'],
    ['app://portwise/.%2e/secret.txt'],
    ['app://portwise/./index.html'],
  ])('refuses traversal: %s', (url) => {
    expect(resolveAppRequest(url, root)).toMatchObject({ ok: false, status: 403, reason: 'path traversal' });
  });

  it.each([
    ['app://portwise/..%2fsecret.txt'],
    ['app://portwise/assets%2F..%2F..%2Fsecret.txt'],
    ['app://portwise/..%5csecret.txt'],
    ['app://portwise/..\\secret.txt'],
    ['app://portwise/index.html%00.png'],
    ['app://portwise/index.html\u0000.png'],
    ['app://portwise/%E0%A4%A.js'],
  ])('refuses encoded separators, NUL and bad encoding: %s', (url) => {
    expect(resolveAppRequest(url, root)).toMatchObject({ ok: false, status: 400 });
  });

  it.each([
    ['app://portwise//etc/passwd'],
    ['app://portwise/%2fetc/passwd'],
    ['app://portwise/C:/Windows/win.ini'],
    ['app://portwise/C%3A%5CWindows%5Cwin.ini'],
  ])('refuses absolute paths: %s', (url) => {
    expect(resolveAppRequest(url, root)).toMatchObject({ ok: false, status: 400 });
  });

  it.each([
    ['app://evil/index.html'],
    ['app://portwise.evil/index.html'],
    ['app://user@portwise/index.html'],
    ['app://portwise:8080/index.html'],
    ['app:///etc/passwd'],
  ])('refuses other hosts: %s', (url) => {
    expect(resolveAppRequest(url, root)).toMatchObject({ ok: false, status: 403, reason: 'unknown host' });
  });

  it('refuses other schemes, directories, hidden files and unknown types', () => {
    expect(resolveAppRequest('file:///etc/passwd', root)).toMatchObject({ ok: false, status: 400 });
    expect(resolveAppRequest('https://portwise/index.html', root)).toMatchObject({ ok: false, status: 400 });
    expect(resolveAppRequest('app://portwise/assets/', root)).toMatchObject({ ok: false, status: 404 });
    expect(resolveAppRequest('app://portwise/.vite/manifest.json', root)).toMatchObject({ ok: false, status: 404 });
    expect(resolveAppRequest('app://portwise/main.exe', root)).toMatchObject({ ok: false, status: 404, reason: 'unsupported file type' });
    expect(resolveAppRequest('app://portwise/Makefile', root)).toMatchObject({ ok: false, status: 404 });
  });

  it('isAppUrl accepts only our exact origin', () => {
    expect(isAppUrl('app://portwise/index.html')).toBe(true);
    expect(isAppUrl('app://portwise.evil/index.html')).toBe(false);
    expect(isAppUrl('app://portwise:1/index.html')).toBe(false);
    expect(isAppUrl('https://portwise/index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});

describe('app:// protocol handler', () => {
  let dir: string;
  let outside: string;
  beforeAll(async () => {
    outside = await mkdtemp(join(tmpdir(), 'portwise-proto-'));
    dir = join(outside, 'renderer');
    await mkdir(join(dir, 'assets'), { recursive: true });
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Portwise</title>');
    await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(outside, 'secret.txt'), 'secret');
  });
  afterAll(async () => {
    await rm(outside, { recursive: true, force: true });
  });

  const get = (url: string, method = 'GET') => createAppProtocolHandler(dir)(new Request(url, { method }));

  it('serves files with the CSP, nosniff and the right content type', async () => {
    const res = await get('app://portwise/index.html');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Portwise</title>');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');

    const js = await get('app://portwise/assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
  });

  it('answers refusals and missing files with the same security headers and no file content', async () => {
    // `new Request` normalises `..` away; a raw request object shows the handler refuses it anyway.
    const raw = { url: 'app://portwise/../secret.txt', method: 'GET' } as Request;
    const traversal = await createAppProtocolHandler(dir)(raw);
    expect(traversal.status).toBe(403);
    expect(await traversal.text()).not.toContain('secret');
    expect(traversal.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);

    const encoded = await get('app://portwise/..%2fsecret.txt');
    expect(encoded.status).toBe(400);
    expect(await encoded.text()).not.toContain('secret');

    const missing = await get('app://portwise/nope.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await missing.text()).not.toContain(dir);
  });

  it('refuses methods other than GET and HEAD', async () => {
    expect((await get('app://portwise/index.html', 'POST')).status).toBe(405);
    const head = await get('app://portwise/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('CSP is the strict policy with no inline or remote exceptions', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|http/);
    expect(APP_RESPONSE_HEADERS['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('registers app:// as standard, secure and fetch-capable, and nothing more', () => {
    const calls: unknown[] = [];
    registerAppSchemeAsPrivileged({ registerSchemesAsPrivileged: (schemes) => calls.push(schemes) });
    expect(calls).toEqual([[{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]]);
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('bypassCSP');
  });
});
