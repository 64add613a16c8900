import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Handler = (...args: unknown[]) => unknown;

// Electron cannot run under plain Node: a fake BrowserWindow and session record what the printer asks.
const electron = vi.hoisted(() => {
  const state = {
    windows: [] as FakeWindow[],
    load: async (_url: string): Promise<void> => {},
    print: async (): Promise<Buffer> => Buffer.from('%PDF-1.7 fake'),
    partitions: [] as string[],
    sessionHandlers: new Map<string, Handler>(),
  };
  class FakeWindow {
    destroyed = false;
    loaded: string[] = [];
    printOptions: unknown[] = [];
    constructor(readonly options: { show?: boolean; webPreferences?: Record<string, unknown> }) {
      state.windows.push(this);
    }
    loadURL(url: string) {
      this.loaded.push(url);
      return state.load(url);
    }
    webContents = {
      printToPDF: (options: unknown) => {
        this.printOptions.push(options);
        return state.print();
      },
    };
    isDestroyed() {
      return this.destroyed;
    }
    destroy() {
      this.destroyed = true;
    }
  }
  const session = {
    setPermissionRequestHandler: (h: Handler) => state.sessionHandlers.set('permission-request', h),
    setPermissionCheckHandler: (h: Handler) => state.sessionHandlers.set('permission-check', h),
    setDevicePermissionHandler: (h: Handler) => state.sessionHandlers.set('device', h),
    on: (event: string, h: Handler) => state.sessionHandlers.set(event, h),
    webRequest: { onBeforeRequest: (h: Handler) => state.sessionHandlers.set('before-request', h) },
  };
  return {
    state,
    session,
    module: {
      BrowserWindow: FakeWindow,
      session: {
        fromPartition: (partition: string) => {
          state.partitions.push(partition);
          return session;
        },
      },
    },
  };
});
vi.mock('electron', () => electron.module);

const { electronPdfPrinter } = await import('../../../electron/main/print-pdf');
const state = electron.state;
const lastWindow = () => state.windows[state.windows.length - 1]!;

beforeEach(() => {
  state.windows.length = 0;
  state.load = async () => {};
  state.print = async () => Buffer.from('%PDF-1.7 fake');
});

describe('electronPdfPrinter', () => {
  it('prints the page from a data: URL in a hidden, sandboxed window that runs no script, then destroys it', async () => {
    const html = '<!doctype html><title>Résumé</title><p>x</p>';
    const pdf = await electronPdfPrinter()(html);
    expect(Buffer.from(pdf).toString('latin1')).toBe('%PDF-1.7 fake');
    const win = lastWindow();
    expect(win.options.show).toBe(false);
    expect(win.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false, webviewTag: false });
    // No preload, no relaxed web security: nothing of the app's bridge reaches this page.
    expect(win.options.webPreferences).not.toHaveProperty('preload');
    expect(win.options.webPreferences).not.toHaveProperty('webSecurity');
    expect(win.loaded).toHaveLength(1);
    const url = win.loaded[0]!;
    expect(url.startsWith('data:text/html;base64,')).toBe(true);
    expect(Buffer.from(url.slice('data:text/html;base64,'.length), 'base64').toString('utf8')).toBe(html);
    expect(win.printOptions).toEqual([{ printBackground: true, pageSize: 'A4' }]);
    expect(win.destroyed).toBe(true);
  });

  it('uses its own in-memory session that denies every permission, download and request but the page', async () => {
    await electronPdfPrinter()('<p>x</p>');
    expect(state.partitions.every((p) => p === 'portwise-print')).toBe(true);
    expect(lastWindow().options.webPreferences?.session).toBe(electron.session);
    const h = state.sessionHandlers;
    const granted = vi.fn();
    h.get('permission-request')!({}, 'media', granted);
    expect(granted).toHaveBeenCalledWith(false);
    expect(h.get('permission-check')!({}, 'clipboard-sanitized-write', 'data:')).toBe(false);
    expect(h.get('device')!({})).toBe(false);
    const download = { preventDefault: vi.fn() };
    h.get('will-download')!(download);
    expect(download.preventDefault).toHaveBeenCalled();
    const decide = (url: string) => {
      const callback = vi.fn();
      h.get('before-request')!({ url }, callback);
      return callback.mock.calls[0]![0] as { cancel: boolean };
    };
    expect(decide('data:text/html;base64,PHA+eDwvcD4=')).toEqual({ cancel: false });
    for (const url of ['https://db.example.com/x.png', 'file:///etc/passwd', 'app://portwise/index.html']) expect(decide(url)).toEqual({ cancel: true });
  });

  it('prints a report too big for a data: URL from a private file, which is then removed', async () => {
    let seen: string | null = null;
    state.load = async (url) => {
      seen = url;
      expect(readFileSync(fileURLToPath(url), 'utf8').length).toBe(3 * 1024 * 1024);
      // The file is let through while it is printed, and only it.
      const callback = vi.fn();
      state.sessionHandlers.get('before-request')!({ url }, callback);
      expect(callback).toHaveBeenCalledWith({ cancel: false });
    };
    await electronPdfPrinter()('x'.repeat(3 * 1024 * 1024));
    expect(seen).toMatch(/^file:\/\/.*\/portwise-pdf-[^/]+\/report\.html$/);
    expect(existsSync(fileURLToPath(seen!))).toBe(false);
    const callback = vi.fn();
    state.sessionHandlers.get('before-request')!({ url: seen }, callback);
    expect(callback).toHaveBeenCalledWith({ cancel: true });
    expect(lastWindow().destroyed).toBe(true);
  });

  it('a failed load, a failed print, an abort and the deadline: a sentence, and the window destroyed', async () => {
    state.load = async () => {
      throw new Error('ERR_INVALID_URL (-300) loading data:...');
    };
    await expect(electronPdfPrinter()('<p>x</p>')).rejects.toThrow('The report could not be loaded to print it (ERR_INVALID_URL (-300) loading data:...).');
    expect(lastWindow().destroyed).toBe(true);

    state.load = async () => {};
    state.print = async () => {
      throw new Error('Failed to generate PDF');
    };
    await expect(electronPdfPrinter()('<p>x</p>')).rejects.toThrow('Chromium could not print the report (Failed to generate PDF).');
    expect(lastWindow().destroyed).toBe(true);

    state.print = () => new Promise<Buffer>(() => {});
    const controller = new AbortController();
    const pending = electronPdfPrinter()('<p>x</p>', { signal: controller.signal });
    await vi.waitFor(() => expect(lastWindow().printOptions).toHaveLength(1));
    controller.abort();
    await expect(pending).rejects.toThrow('The PDF export was cancelled.');
    expect(lastWindow().destroyed).toBe(true);

    const before = state.windows.length;
    await expect(electronPdfPrinter()('<p>x</p>', { signal: AbortSignal.abort() })).rejects.toThrow('The PDF export was cancelled.');
    expect(state.windows).toHaveLength(before);

    await expect(electronPdfPrinter({ timeoutMs: 50 })('<p>x</p>')).rejects.toThrow('The PDF was not printed within 50 ms, so it was stopped.');
    expect(lastWindow().destroyed).toBe(true);
  });
});
