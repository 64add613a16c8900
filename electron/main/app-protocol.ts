import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * The `app://` scheme: the renderer's files are served from `out/renderer` under one fixed origin
 * instead of `file://` (which would give every local file the page's origin). Pure: no Electron,
 * no file system, so every refusal below is unit-tested.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'portwise';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * True for a URL on our own origin, `app://portwise/...` (no user info, no port). Compared field by
 * field: for a custom scheme Node's `URL#origin` is the string "null".
 */
export function isAppUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === `${APP_SCHEME}:` && url.hostname === APP_HOST && url.port === '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

export type AppRequestResult =
  | { ok: true; filePath: string; mime: string }
  | { ok: false; status: 400 | 403 | 404; reason: string };

/** Only what a Vite build of the renderer emits; anything else is not served. */
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
};

// The raw URL is split by hand rather than with `new URL()`: the URL parser silently removes `..`
// and `%2e%2e` segments, and we want to see (and refuse) them, not have them rewritten.
const APP_URL_SHAPE = /^app:\/\/([^/?#]*)([^?#]*)/i;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const ENCODED_SEPARATOR_OR_NUL = /%(2f|5c|00)/i;

const refuse = (status: 400 | 403 | 404, reason: string): AppRequestResult => ({ ok: false, status, reason });

/**
 * Maps an `app://portwise/...` request URL to a file inside `rootDir`, or says why not.
 * The path is percent-decoded exactly once; after that no segment may be `.` or `..`, and the
 * resolved file must still be inside `rootDir`.
 */
export function resolveAppRequest(url: string, rootDir: string): AppRequestResult {
  if (typeof url !== 'string' || CONTROL_CHARS.test(url)) return refuse(400, 'malformed URL');
  const match = APP_URL_SHAPE.exec(url);
  if (!match) return refuse(400, 'not an app:// URL');
  const [, authority = '', rawPath = ''] = match;
  // Exactly our host: no other host, no user info, no port.
  if (authority.toLowerCase() !== APP_HOST) return refuse(403, 'unknown host');

  // An encoded separator or NUL has no business in a bundle path and would survive decoding as part
  // of one segment; `\` is a separator on Windows.
  if (ENCODED_SEPARATOR_OR_NUL.test(rawPath) || rawPath.includes('\\')) return refuse(400, 'encoded separator or NUL in path');
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return refuse(400, 'malformed percent-encoding');
  }
  if (CONTROL_CHARS.test(path) || path.includes('\\')) return refuse(400, 'control character in path');
  if (path === '' || path === '/') path = '/index.html';

  const segments = path.slice(1).split('/');
  for (const [i, segment] of segments.entries()) {
    if (segment === '..' || segment === '.') return refuse(403, 'path traversal');
    if (segment === '') return i === segments.length - 1 ? refuse(404, 'directories are not served') : refuse(400, 'empty path segment');
    // `C:` would make the path absolute on Windows; `file:stream` names an NTFS alternate data stream.
    if (segment.includes(':')) return refuse(400, 'colon in path');
    if (segment.startsWith('.')) return refuse(404, 'hidden files are not served');
  }

  const root = resolve(rootDir);
  const filePath = resolve(root, ...segments);
  const rel = relative(root, filePath);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return refuse(403, 'path escapes the app folder');

  const mime = MIME_TYPES[extname(filePath).toLowerCase()];
  if (!mime) return refuse(404, 'unsupported file type');
  return { ok: true, filePath, mime };
}
