import { readFile } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { APP_SCHEME, resolveAppRequest } from './app-protocol';
import { CONTENT_SECURITY_POLICY } from './csp';

/**
 * `standard` gives `app://portwise` a real origin (relative URLs, same-origin checks), `secure`
 * makes it a secure context like https, `supportFetchAPI` lets the page fetch its own bundled files.
 * Deliberately NOT `bypassCSP`, `corsEnabled`, `allowServiceWorkers` nor `stream`.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const;

/** Must run before `app` is ready (Electron refuses it afterwards). */
export function registerAppSchemeAsPrivileged(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
}

/** Sent with every response, errors included: the CSP is enforced by header, not only by a `<meta>`. */
export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

type ReadFile = (path: string) => Promise<Uint8Array>;

function errorResponse(status: number, reason: string): Response {
  return new Response(`${status} ${reason}`, {
    status,
    headers: { ...APP_RESPONSE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

/** The `protocol.handle` callback; `readFile` is injectable so tests can serve a temp folder. */
export function createAppProtocolHandler(rootDir: string, read: ReadFile = (path) => readFile(path)): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return errorResponse(405, 'method not allowed');
    const resolved = resolveAppRequest(request.url, rootDir);
    if (!resolved.ok) return errorResponse(resolved.status, resolved.reason);
    let body: Uint8Array;
    try {
      body = await read(resolved.filePath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return errorResponse(404, 'not found');
      // The reason stays generic: a file-system error message would reveal local paths to the page.
      return errorResponse(500, 'read failed');
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      status: 200,
      headers: { ...APP_RESPONSE_HEADERS, 'Content-Type': resolved.mime },
    });
  };
}

/** Serves `rootDir` (the built renderer) as `app://portwise/` on the default session. */
export function registerAppProtocol(protocol: Pick<Protocol, 'handle'>, rootDir: string): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rootDir));
}
