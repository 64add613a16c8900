// The Electron checklist on the BUILT main process (out/main/index.js), the bundle electron-builder
// packs: it is imported as is, with only `electron` replaced by a fake that records what main sets up.
// Then each guard is exercised through what main really registered.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { callChannel, callNames } from '../../../shared/common/ipc-names';
import { CONTENT_SECURITY_POLICY } from '../../../electron/main/csp';
import { outDir, preloadFile, requireBuilt } from './built-output';
import { cspFindings } from './csp-policy';

type Handler = (...args: unknown[]) => unknown;

const electron = vi.hoisted(() => {
  const state = { resolveReady: () => {}, appHandlers: new Map<string, Handler[]>(), protocolHandlers: new Map<string, Handler>(), ipcHandlers: new Map<string, Handler>() };
  class FakeBrowserWindow {
    static all: FakeBrowserWindow[] = [];
    static getAllWindows = () => FakeBrowserWindow.all;
    readonly webContents = { isDestroyed: () => false, send: () => {} };
    constructor(readonly options: Record<string, unknown>) {
      FakeBrowserWindow.all.push(this);
    }
    once() {}
    on() {}
    show() {}
    isDestroyed = () => false;
    loadURL = async () => {};
  }
  const defaultSession = {
    on: vi.fn(),
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
    setDevicePermissionHandler: vi.fn(),
  };
  return {
    state,
    BrowserWindow: FakeBrowserWindow,
    app: {
      requestSingleInstanceLock: () => true,
      enableSandbox: vi.fn(),
      quit: vi.fn(),
      exit: vi.fn(),
      getName: () => 'Portwise',
      getVersion: () => '0.0.0-built',
      whenReady: () => new Promise<void>((resolve) => (state.resolveReady = resolve)),
      on: (event: string, handler: Handler) => state.appHandlers.set(event, [...(state.appHandlers.get(event) ?? []), handler]),
    },
    protocol: {
      registerSchemesAsPrivileged: vi.fn(),
      handle: (scheme: string, handler: Handler) => state.protocolHandlers.set(scheme, handler),
    },
    ipcMain: {
      handle: (channel: string, handler: Handler) => state.ipcHandlers.set(channel, handler),
      removeHandler: (channel: string) => state.ipcHandlers.delete(channel),
    },
    session: { defaultSession },
    shell: { openExternal: vi.fn(async () => {}) },
    safeStorage: { isEncryptionAvailable: () => false, getSelectedStorageBackend: () => 'basic_text', encryptString: vi.fn(), decryptString: vi.fn() },
  };
});
vi.mock('electron', () => ({
  app: electron.app,
  BrowserWindow: electron.BrowserWindow,
  protocol: electron.protocol,
  ipcMain: electron.ipcMain,
  session: electron.session,
  shell: electron.shell,
  safeStorage: electron.safeStorage,
}));

let home: string;

beforeAll(async () => {
  // Whatever the built main writes goes to a home of the test's own.
  home = mkdtempSync(join(tmpdir(), 'pw-built-main-'));
  vi.stubEnv('PORTWISE_HOME', home);
  await import(/* @vite-ignore */ pathToFileURL(requireBuilt(join(outDir, 'main', 'index.js'))).href);
  electron.state.resolveReady();
  await vi.waitFor(() => expect(electron.BrowserWindow.all).toHaveLength(1), { timeout: 5_000 });
}, 30_000);

afterAll(() => {
  for (const handler of electron.state.appHandlers.get('will-quit') ?? []) handler();
  vi.unstubAllEnvs();
  rmSync(home, { recursive: true, force: true });
});

describe('built main: window options', () => {
  it('the one window is sandboxed, context-isolated, without Node and without webview, and loads the built preload', () => {
    const prefs = electron.BrowserWindow.all[0]?.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
    expect(prefs.preload).toBe(preloadFile);
    expect(existsSync(prefs.preload as string)).toBe(true);
    // And every renderer sandboxed, whatever a window's own options say.
    expect(electron.app.enableSandbox).toHaveBeenCalledOnce();
  });
});

describe('built main: the app:// protocol', () => {
  const handler = () => electron.state.protocolHandlers.get('app') as (request: Request) => Promise<Response>;

  it('registers app:// as standard and secure only, without bypassCSP', () => {
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledExactlyOnceWith([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  });

  it('serves the built page with a CSP header that denies inline script and remote origins', async () => {
    const res = await handler()(new Request('app://portwise/index.html'));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Portwise</title>');
    const header = res.headers.get('content-security-policy') ?? '';
    expect(header).toBe(CONTENT_SECURITY_POLICY);
    // The header as the built handler sends it: no inline script, no eval, no remote origin.
    expect(cspFindings(header, ['img-src'])).toEqual([]);
  });

  it.each(['app://portwise/../main/index.js', 'app://portwise/%2e%2e/preload/index.cjs', 'app://portwise/..%5cmain%5cindex.js', `app://portwise/${join(outDir, 'main', 'index.js')}`, 'app://evil/index.html'])(
    'refuses %s with the CSP header and no file',
    async (url) => {
      const res = await handler()({ url, method: 'GET' } as Request);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(await res.text()).not.toMatch(/import |require\(|<title>/);
    },
  );
});

describe('built main: navigation, new windows, permissions', () => {
  function contents() {
    const handlers = new Map<string, Handler>();
    let openHandler: Handler = () => undefined;
    const fake = { on: (event: string, h: Handler) => handlers.set(event, h), setWindowOpenHandler: (h: Handler) => (openHandler = h) };
    for (const h of electron.state.appHandlers.get('web-contents-created') ?? []) h({}, fake);
    const fire = (event: string, ...args: unknown[]) => {
      const preventDefault = vi.fn();
      handlers.get(event)?.({ preventDefault }, ...args);
      return preventDefault;
    };
    return { fire, open: (url: string) => openHandler({ url }) };
  }

  it('denies navigation off app://, every new window, and opens only allowlisted https links', () => {
    const c = contents();
    electron.shell.openExternal.mockClear();
    expect(c.fire('will-navigate', 'app://portwise/index.html')).not.toHaveBeenCalled();
    for (const url of ['https://evil.test/', 'file:///etc/passwd', 'javascript:alert(1)', 'http://man7.org/linux/man-pages/', 'https://man7.org@evil.test/linux/man-pages/']) {
      expect(c.fire('will-navigate', url), url).toHaveBeenCalledOnce();
      expect(c.open(url), url).toEqual({ action: 'deny' });
    }
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
    expect(c.open('https://man7.org/linux/man-pages/man8/ss.8.html')).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).toHaveBeenCalledExactlyOnceWith('https://man7.org/linux/man-pages/man8/ss.8.html');
    expect(c.fire('will-attach-webview', {}, {})).toHaveBeenCalledOnce();
  });

  it('the permission request, check and device handlers deny', () => {
    const ses = electron.session.defaultSession;
    const [request] = ses.setPermissionRequestHandler.mock.calls[0] as [Handler];
    const [check] = ses.setPermissionCheckHandler.mock.calls[0] as [Handler];
    const [device] = ses.setDevicePermissionHandler.mock.calls[0] as [Handler];
    const ours = { getURL: () => 'app://portwise/index.html' };
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'midi', 'hid', 'serial', 'usb', 'openExternal', 'fullscreen', 'pointerLock']) {
      const callback = vi.fn();
      request(ours, permission, callback, {});
      expect(callback, permission).toHaveBeenCalledExactlyOnceWith(false);
      expect(check(ours, permission, 'app://portwise', {}), permission).toBe(false);
    }
    expect(device({ deviceType: 'usb', origin: 'app://portwise' })).toBe(false);
  });
});

describe('built main: IPC', () => {
  const invoke = (name: (typeof callNames)[number], frame: unknown, request: unknown) => {
    const handler = electron.state.ipcHandlers.get(callChannel(name));
    if (!handler) throw new Error(`no handler for ${name}`);
    return handler({ senderFrame: frame }, request) as Promise<unknown>;
  };
  const ours = { url: 'app://portwise/index.html', parent: null };

  it('registers one handler per contract call', () => {
    expect([...electron.state.ipcHandlers.keys()].sort()).toEqual(callNames.map(callChannel).sort());
  });

  it('answers our main frame', async () => {
    await expect(invoke('getAppInfo', ours, {})).resolves.toEqual({ name: 'Portwise', version: '0.0.0-built', platform: process.platform });
  });

  it.each([
    ['a sub-frame of our page', { url: 'app://portwise/index.html', parent: ours }],
    ['a main frame on another origin', { url: 'https://evil.test/', parent: null }],
    ['a look-alike app:// host', { url: 'app://portwise.evil/index.html', parent: null }],
    ['a file:// page', { url: 'file:///tmp/x.html', parent: null }],
    ['a disposed frame', null],
  ])('refuses %s', async (_label, frame) => {
    await expect(invoke('getAppInfo', frame, {})).rejects.toThrow('getAppInfo refused: untrusted sender');
    await expect(invoke('clearHistory', frame, {})).rejects.toThrow('clearHistory refused: untrusted sender');
  });

  it.each([
    ['getAppInfo', { extra: 1 }],
    ['startDiagnosis', 'db:5432'],
    ['startDiagnosis', { target: 'db:5432', shell: 'id' }],
    ['cancelDiagnosis', { runId: '../../etc' }],
    ['saveProfile', { fields: { name: 'x', host: 'db.example.com', user: 'root', keyPath: 5 } }],
    ['exportReport', { format: 'docx', redact: [] }],
  ] as const)('refuses a malformed %s payload with a plain validation Error', async (name, request) => {
    const err = (await invoke(name, ours, request).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(new RegExp(`^Invalid request to ${name}`));
    expect(err).not.toHaveProperty('cause');
  });
});
