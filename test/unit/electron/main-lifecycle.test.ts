import { beforeEach, describe, expect, it, vi } from 'vitest';
import { callChannel, callNames } from '../../../shared/common/ipc-names';

type Handler = (...args: unknown[]) => unknown;

// A fake of the Electron main-process API, just enough to drive electron/main/index.ts.
const electron = vi.hoisted(() => {
  const state = {
    lock: true,
    resolveReady: () => {},
    appHandlers: new Map<string, Handler[]>(),
    order: [] as string[],
  };
  class FakeBrowserWindow {
    static all: FakeBrowserWindow[] = [];
    static getAllWindows = () => FakeBrowserWindow.all;
    readonly webContents = { isDestroyed: () => false, send: vi.fn() };
    constructor(readonly options: Record<string, unknown>) {
      FakeBrowserWindow.all.push(this);
      state.order.push('window');
    }
    once() {}
    on() {}
    show() {}
    isDestroyed = () => false;
    isMinimized = () => false;
    restore() {}
    focus() {}
    loadURL = vi.fn(async () => {});
  }
  const app = {
    requestSingleInstanceLock: vi.fn(() => state.lock),
    enableSandbox: vi.fn(() => state.order.push('enableSandbox')),
    quit: vi.fn(),
    exit: vi.fn(),
    getName: () => 'Portwise',
    getVersion: () => '0.1.0',
    whenReady: vi.fn(() => new Promise<void>((resolve) => (state.resolveReady = resolve))),
    on: vi.fn((event: string, handler: Handler) => {
      state.appHandlers.set(event, [...(state.appHandlers.get(event) ?? []), handler]);
    }),
  };
  const protocol = {
    registerSchemesAsPrivileged: vi.fn(() => state.order.push('registerSchemesAsPrivileged')),
    handle: vi.fn(() => state.order.push('protocol.handle')),
  };
  const ipcMain = { handle: vi.fn(() => state.order.push('ipcMain.handle')), removeHandler: vi.fn() };
  const session = { defaultSession: { on: vi.fn(), setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn(), setDevicePermissionHandler: vi.fn() } };
  const safeStorage = { isEncryptionAvailable: vi.fn(() => true), getSelectedStorageBackend: vi.fn(() => 'gnome_libsecret'), encryptString: vi.fn(), decryptString: vi.fn() };
  return { state, app, protocol, ipcMain, session, safeStorage, shell: { openExternal: vi.fn() }, BrowserWindow: FakeBrowserWindow };
});
vi.mock('electron', () => ({
  app: electron.app,
  protocol: electron.protocol,
  ipcMain: electron.ipcMain,
  session: electron.session,
  shell: electron.shell,
  safeStorage: electron.safeStorage,
  BrowserWindow: electron.BrowserWindow,
}));

const fire = (event: string, ...args: unknown[]) => {
  for (const handler of electron.state.appHandlers.get(event) ?? []) handler(...args);
};

beforeEach(() => {
  vi.resetModules();
  vi.clearAllMocks();
  electron.state.appHandlers.clear();
  electron.state.order.length = 0;
  electron.BrowserWindow.all.length = 0;
});

describe('main process lifecycle', () => {
  it('registers app:// before ready, then hardening, protocol, IPC and one window; cleans up on quit', async () => {
    electron.state.lock = true;
    await import('../../../electron/main/index');
    // Before ready: only the privileged scheme and the global sandbox switch.
    expect(electron.state.order).toEqual(['registerSchemesAsPrivileged', 'enableSandbox']);
    expect(electron.BrowserWindow.all).toHaveLength(0);
    // The keyring is not touched before ready (Electron cannot choose its Linux backend then), nor at start: only when a secret is used.
    expect(electron.safeStorage.isEncryptionAvailable).not.toHaveBeenCalled();

    electron.state.resolveReady();
    await vi.waitFor(() => expect(electron.BrowserWindow.all).toHaveLength(1), { timeout: 2_000 });
    expect(electron.app.on).toHaveBeenCalledWith('web-contents-created', expect.any(Function));
    expect(electron.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalledOnce();
    expect(electron.session.defaultSession.on).toHaveBeenCalledWith('will-download', expect.any(Function));
    expect(electron.protocol.handle).toHaveBeenCalledExactlyOnceWith('app', expect.any(Function));
    expect(electron.ipcMain.handle.mock.calls.map((call: unknown[]) => call[0]).sort()).toEqual(callNames.map(callChannel).sort());
    // The window comes last, once everything it relies on is in place.
    expect(electron.state.order.at(-1)).toBe('window');
    expect(electron.BrowserWindow.all).toHaveLength(1);
    const prefs = electron.BrowserWindow.all[0]?.options.webPreferences as { preload: string; sandbox: boolean };
    expect(prefs.preload).toMatch(/[/\\]preload[/\\]index\.cjs$/);
    expect(prefs.sandbox).toBe(true);

    // macOS dock click with a window open: no second window.
    fire('activate');
    expect(electron.BrowserWindow.all).toHaveLength(1);

    fire('will-quit');
    expect(electron.ipcMain.removeHandler.mock.calls.map((call: unknown[]) => call[0]).sort()).toEqual(callNames.map(callChannel).sort());
  });

  it('quits without opening anything when another instance holds the lock', async () => {
    electron.state.lock = false;
    await import('../../../electron/main/index');
    expect(electron.app.quit).toHaveBeenCalledOnce();
    expect(electron.app.whenReady).not.toHaveBeenCalled();
    expect(electron.BrowserWindow.all).toHaveLength(0);
  });
});
