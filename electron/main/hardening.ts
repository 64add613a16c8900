import { app, session, shell, type DownloadItem, type Event, type WebContents } from 'electron';
import { isAppUrl } from './app-protocol';

/**
 * Everything that limits what web content may do, in one place (STYLE.md "Hardening"). The default
 * is deny; each exception below says why it exists.
 */

/**
 * Help links the UI may open in the user's browser. Exception to "never open anything": the cause
 * catalog's remediation text links to vendor documentation. Only https, only these exact hosts and
 * path prefixes; anything else is silently dropped. Extend it when the catalog gains a link.
 */
export const HELP_LINK_ALLOWLIST: readonly { host: string; pathPrefix: string }[] = [
  { host: 'man7.org', pathPrefix: '/linux/man-pages/' },
  { host: 'docs.docker.com', pathPrefix: '/' },
  { host: 'redis.io', pathPrefix: '/docs/' },
  { host: 'firewalld.org', pathPrefix: '/documentation/' },
  { host: 'wiki.nftables.org', pathPrefix: '/' },
  { host: 'support.microsoft.com', pathPrefix: '/' },
];

/** True for an https URL on the help allowlist (no credentials, no explicit port). */
export function isAllowedHelpLink(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '') return false;
  return HELP_LINK_ALLOWLIST.some(({ host, pathPrefix }) => url.hostname === host && url.pathname.startsWith(pathPrefix));
}

function openHelpLink(url: string): void {
  if (!isAllowedHelpLink(url)) return;
  shell.openExternal(url).catch((err: unknown) => console.error('[portwise] could not open help link:', err));
}

/** Navigation inside the page is allowed only within our own origin; help links go to the browser. */
function onWillNavigate(event: Event, url: string): void {
  // Exception: our own pages (`app://portwise/...`) may navigate among themselves.
  if (isAppUrl(url)) return;
  event.preventDefault();
  // Exception: a plain `<a href>` to an allowlisted help page opens in the browser instead.
  openHelpLink(url);
}

function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => onWillNavigate(event, url));
  // A server redirect is a navigation too; our protocol never redirects, so any redirect is refused.
  contents.on('will-redirect', (event) => event.preventDefault());
  // webviewTag is off in the window factory; this catches any content that got one anyway.
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Exception: an allowlisted help link opens in the user's browser, never in a new app window.
    openHelpLink(url);
    return { action: 'deny' };
  });
}

/**
 * Downloads are refused, with one exception: "Export report" saves the report through a `blob:` URL
 * that our own page made (`blob:app://portwise/...`). Electron then shows the save dialog, so the
 * user picks where the file goes; nothing is written without that choice.
 */
export function isAllowedDownload(url: string): boolean {
  return url.startsWith('blob:') && isAppUrl(url.slice('blob:'.length));
}

function onWillDownload(event: Event, item: Pick<DownloadItem, 'getURL'>): void {
  if (!isAllowedDownload(item.getURL())) event.preventDefault();
}

/**
 * Installs the global guards. Call once, after `app` is ready (sessions exist only then) and before
 * the first window is created.
 */
export function installHardening(): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((contents, permission, callback) => callback(isPermissionAllowed(permission, contents.getURL())));
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin));
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event, item) => onWillDownload(event, item));
}

/**
 * The app needs no browser permission (camera, mic, geolocation, notifications, clipboard read,
 * HID/USB/serial) with one exception: the "Copy" buttons beside fix commands write text to the
 * clipboard, which Chromium gates as `clipboard-sanitized-write`. Only our own page gets it, and
 * reading the clipboard stays denied.
 */
export function isPermissionAllowed(permission: string, requestingUrl: string): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl);
}
