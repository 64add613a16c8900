import { beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  class FakeBrowserWindow {
    static instances: FakeBrowserWindow[] = [];
    readonly handlers = new Map<string, () => void>();
    readonly show = vi.fn();
    readonly loadURL = vi.fn(async (_url: string) => {});
    constructor(readonly options: Record<string, unknown>) {
      FakeBrowserWindow.instances.push(this);
    }
    once(event: string, handler: () => void) {
      this.handlers.set(event, handler);
      return this;
    }
  }
  return { FakeBrowserWindow };
});
vi.mock('electron', () => ({ BrowserWindow: electron.FakeBrowserWindow }));

const { createMainWindow } = await import('../../../electron/main/window');

describe('window factory', () => {
  beforeEach(() => {
    electron.FakeBrowserWindow.instances.length = 0;
  });

  it('creates the window with the hardened web preferences', () => {
    createMainWindow({ preloadPath: '/app/out/preload/index.cjs' });
    const [win] = electron.FakeBrowserWindow.instances;
    expect(win?.options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    });
    // No option that weakens the sandbox sneaks in.
    expect(win?.options.webPreferences).not.toHaveProperty('experimentalFeatures');
    expect(win?.options.webPreferences).not.toHaveProperty('enableBlinkFeatures');
  });

  it('loads the app page over app:// and shows only when ready', () => {
    createMainWindow({ preloadPath: '/p.cjs' });
    const [win] = electron.FakeBrowserWindow.instances;
    expect(win?.options.show).toBe(false);
    expect(win?.loadURL).toHaveBeenCalledExactlyOnceWith('app://portwise/index.html');
    expect(win?.show).not.toHaveBeenCalled();
    win?.handlers.get('ready-to-show')?.();
    expect(win?.show).toHaveBeenCalledOnce();
  });
});
