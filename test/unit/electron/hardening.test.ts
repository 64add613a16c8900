import { beforeAll, describe, expect, it, vi } from 'vitest';

type Handler = (...args: unknown[]) => unknown;

const electron = vi.hoisted(() => {
  const appHandlers = new Map<string, Handler>();
  const sessionHandlers = new Map<string, Handler>();
  const session = {
    on: vi.fn((event: string, handler: Handler) => sessionHandlers.set(event, handler)),
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
    setDevicePermissionHandler: vi.fn(),
  };
  return {
    appHandlers,
    sessionHandlers,
    session,
    app: { on: vi.fn((event: string, handler: Handler) => appHandlers.set(event, handler)) },
    shell: { openExternal: vi.fn(async (_url: string) => {}) },
  };
});
vi.mock('electron', () => ({ app: electron.app, shell: electron.shell, session: { defaultSession: electron.session } }));

const { installHardening, isAllowedDownload, isAllowedHelpLink } = await import('../../../electron/main/hardening');

/** A fake WebContents that records the guards hardening installs on it. */
function fakeContents() {
  const handlers = new Map<string, Handler>();
  let windowOpen: Handler | undefined;
  return {
    on: (event: string, handler: Handler) => handlers.set(event, handler),
    setWindowOpenHandler: (handler: Handler) => {
      windowOpen = handler;
    },
    fire(event: string, ...args: unknown[]) {
      const preventDefault = vi.fn();
      handlers.get(event)?.({ preventDefault }, ...args);
      return preventDefault;
    },
    open: (url: string) => windowOpen?.({ url }),
  };
}

let contents: ReturnType<typeof fakeContents>;
beforeAll(() => {
  installHardening();
  contents = fakeContents();
  electron.appHandlers.get('web-contents-created')?.({}, contents);
});

describe('hardening', () => {
  it('allows navigation only within app://portwise', () => {
    expect(contents.fire('will-navigate', 'app://portwise/index.html')).not.toHaveBeenCalled();
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://evil/index.html', 'javascript:alert(1)']) {
      expect(contents.fire('will-navigate', url)).toHaveBeenCalledOnce();
    }
  });

  it('refuses every redirect and every webview', () => {
    expect(contents.fire('will-redirect', 'app://portwise/index.html')).toHaveBeenCalledOnce();
    expect(contents.fire('will-attach-webview', {}, {})).toHaveBeenCalledOnce();
  });

  it('denies every new window; only allowlisted https help links go to the browser', () => {
    electron.shell.openExternal.mockClear();
    expect(contents.open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(contents.open('app://portwise/index.html')).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).not.toHaveBeenCalled();

    const help = 'https://man7.org/linux/man-pages/man8/ss.8.html';
    expect(contents.open(help)).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).toHaveBeenCalledExactlyOnceWith(help);
  });

  it('a plain link to a help page is stopped in the app and opened in the browser', () => {
    electron.shell.openExternal.mockClear();
    const help = 'https://docs.docker.com/engine/network/';
    expect(contents.fire('will-navigate', help)).toHaveBeenCalledOnce();
    expect(electron.shell.openExternal).toHaveBeenCalledExactlyOnceWith(help);
  });

  it.each([
    ['http://man7.org/linux/man-pages/man8/ss.8.html'],
    ['https://man7.org/evil'],
    ['https://man7.org.evil.example/linux/man-pages/'],
    ['https://user@man7.org/linux/man-pages/'],
    ['https://man7.org:8443/linux/man-pages/'],
    ['file:///etc/passwd'],
    ['not a url'],
  ])('refuses off-allowlist link %s', (url) => {
    expect(isAllowedHelpLink(url)).toBe(false);
  });

  // Links a page (or a remote string shown in it) could try to hand to the OS. Each must be dropped
  // by both doors, the new-window handler and will-navigate, before shell.openExternal.
  it.each([
    ['javascript:', 'javascript:alert(1)//https://man7.org/linux/man-pages/'],
    ['file:', 'file:///etc/passwd'],
    ['file: UNC', 'file://evil.test/share/payload.desktop'],
    ['http:', 'http://man7.org/linux/man-pages/man8/ss.8.html'],
    ['ftp:', 'ftp://man7.org/linux/man-pages/'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['blob:', 'blob:https://man7.org/0f0e0d0c'],
    ['an OS handler scheme', 'ms-msdt:/id PCWDiagnostic'],
    ['a suffix look-alike', 'https://man7.org.evil.test/linux/man-pages/'],
    ['a prefix look-alike', 'https://evilman7.org/linux/man-pages/'],
    ['a trailing-dot host', 'https://man7.org./linux/man-pages/'],
    ['a homoglyph host', 'https://m\u0430n7.org/linux/man-pages/'],
    ['userinfo naming the allowed host', 'https://man7.org@evil.test/linux/man-pages/'],
    ['userinfo with a password', 'https://man7.org:linux@evil.test/linux/man-pages/'],
    ['an encoded slash in userinfo', 'https://man7.org%2F@evil.test/linux/man-pages/'],
    ['userinfo on the allowed host', 'https://evil.test@man7.org/linux/man-pages/'],
    ['the allowed host in the fragment', 'https://evil.test/#@man7.org/linux/man-pages/'],
    ['the allowed host in the query', 'https://evil.test/?https://man7.org/linux/man-pages/'],
    ['a backslash before @', 'https://evil.test\\@man7.org/linux/man-pages/'],
    ['a path that climbs out of the prefix', 'https://man7.org/linux/man-pages/../../evil'],
    ['a non-default port', 'https://docs.docker.com:8443/'],
  ])('never opens %s (%s) in the browser', (_label, url) => {
    electron.shell.openExternal.mockClear();
    expect(isAllowedHelpLink(url)).toBe(false);
    expect(contents.open(url)).toEqual({ action: 'deny' });
    expect(contents.fire('will-navigate', url)).toHaveBeenCalledOnce();
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
  });

  it('opens an allowlisted https link exactly as given', () => {
    for (const url of ['https://redis.io/docs/latest/operate/oss_and_stack/management/config/', 'https://wiki.nftables.org/wiki-nftables/index.php/Quick_reference-nftables_in_10_minutes']) {
      electron.shell.openExternal.mockClear();
      expect(isAllowedHelpLink(url)).toBe(true);
      expect(contents.open(url)).toEqual({ action: 'deny' });
      expect(electron.shell.openExternal).toHaveBeenCalledExactlyOnceWith(url);
    }
  });

  it('denies every permission request and check but a sanitized clipboard write from our page', () => {
    const ours = { getURL: () => 'app://portwise/index.html' };
    const foreign = { getURL: () => 'https://evil.example/' };
    const [requestHandler] = electron.session.setPermissionRequestHandler.mock.calls[0] as [Handler];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn();
      requestHandler(ours, permission, callback, {});
      expect(callback).toHaveBeenCalledExactlyOnceWith(false);
    }
    const granted = vi.fn();
    requestHandler(ours, 'clipboard-sanitized-write', granted, {});
    expect(granted).toHaveBeenCalledExactlyOnceWith(true);
    const refused = vi.fn();
    requestHandler(foreign, 'clipboard-sanitized-write', refused, {});
    expect(refused).toHaveBeenCalledExactlyOnceWith(false);
    const [checkHandler] = electron.session.setPermissionCheckHandler.mock.calls[0] as [Handler];
    expect(checkHandler(ours, 'clipboard-sanitized-write', 'app://portwise', {})).toBe(true);
    expect(checkHandler(ours, 'clipboard-sanitized-write', 'https://evil.example', {})).toBe(false);
    expect(checkHandler(ours, 'clipboard-read', 'app://portwise', {})).toBe(false);
    expect(checkHandler(ours, 'media', 'app://portwise', {})).toBe(false);
    const [deviceHandler] = electron.session.setDevicePermissionHandler.mock.calls[0] as [Handler];
    expect(deviceHandler({})).toBe(false);
  });

  it('refuses every download but a blob: URL our own page made (the report export), which gets the save dialog', () => {
    const willDownload = electron.sessionHandlers.get('will-download');
    expect(willDownload).toBeDefined();
    const download = (url: string) => {
      const preventDefault = vi.fn();
      willDownload?.({ preventDefault }, { getURL: () => url });
      return preventDefault;
    };
    expect(download('blob:app://portwise/6f1c2a34-8d1e-4c1b-9f65-0d7c2e1b5a90')).not.toHaveBeenCalled();
    for (const url of [
      'blob:https://evil.example/6f1c2a34',
      'blob:app://evil/6f1c2a34',
      'blob:null/6f1c2a34',
      'https://evil.example/payload.exe',
      'app://portwise/index.html',
      'data:application/json,%7B%7D',
      'file:///etc/passwd',
    ]) {
      expect(download(url), url).toHaveBeenCalledOnce();
      expect(isAllowedDownload(url)).toBe(false);
    }
  });
});
