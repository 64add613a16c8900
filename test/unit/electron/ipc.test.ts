import { describe, expect, it, vi } from 'vitest';
import { callChannel, callNames, eventChannel } from '../../../shared/common/ipc-names';
import { createHandlerTable, type HandlerTable } from '../../../shared/node/handlers';
import { createWindowEventSink, isTrustedSender, registerHandlerTable, type EventTargetWindow, type SenderFrame } from '../../../electron/main/ipc';

const appFrame: SenderFrame = { url: 'app://portwise/index.html', parent: null };

describe('isTrustedSender', () => {
  it.each<[string, SenderFrame | null | undefined, boolean]>([
    ['our main frame', appFrame, true],
    ['our main frame on another app page, with query and hash', { url: 'app://portwise/report.html?x=1#top', parent: null }, true],
    ['a sub-frame of our page', { url: 'app://portwise/index.html', parent: { url: 'app://portwise/index.html' } }, false],
    ['a main frame that navigated to the web', { url: 'https://evil.example/', parent: null }, false],
    ['a file:// page', { url: 'file:///tmp/index.html', parent: null }, false],
    ['another app:// host', { url: 'app://evil/index.html', parent: null }, false],
    ['a look-alike host', { url: 'app://portwise.evil/index.html', parent: null }, false],
    ['user info in the URL', { url: 'app://x@portwise/index.html', parent: null }, false],
    ['an explicit port', { url: 'app://portwise:1/index.html', parent: null }, false],
    ['a garbage URL', { url: 'not a url', parent: null }, false],
    ['about:blank', { url: 'about:blank', parent: null }, false],
    ['a parent that is undefined rather than null', { url: 'app://portwise/index.html', parent: undefined }, false],
    ['a destroyed frame (null)', null, false],
    ['no frame at all', undefined, false],
  ])('%s -> %s', (_label, frame, expected) => {
    expect(isTrustedSender(frame)).toBe(expected);
  });

  it('treats a frame whose getters throw (disposed) as untrusted', () => {
    const disposed = {
      get url(): string {
        throw new Error('Render frame was disposed');
      },
      parent: null,
    };
    expect(isTrustedSender(disposed)).toBe(false);
  });
});

type Handler = (event: { senderFrame: SenderFrame | null }, request: unknown) => Promise<unknown>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipcMain = {
    handle: vi.fn((channel: string, handler: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, handler);
    }),
    removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
  };
  const invoke = (channel: string, frame: SenderFrame | null, request: unknown) => {
    const handler = handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler({ senderFrame: frame }, request);
  };
  return { ipcMain, handlers, invoke };
}

const appInfo = { name: 'Portwise', version: '9.9.9', platform: 'linux' };
const realTable = () => createHandlerTable({ sink: { emit: () => {} }, appInfo });

describe('registerHandlerTable', () => {
  it('registers exactly one handler per contract call, on the contract channel, and removes them', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const table = realTable();
    const unregister = registerHandlerTable(ipcMain as never, table);
    expect([...handlers.keys()].sort()).toEqual(callNames.map(callChannel).sort());
    unregister();
    expect(handlers.size).toBe(0);
    table.dispose();
  });

  it('a valid call from our page reaches the table', async () => {
    const { ipcMain, invoke } = fakeIpcMain();
    const table = realTable();
    registerHandlerTable(ipcMain as never, table);
    await expect(invoke(callChannel('getAppInfo'), appFrame, {})).resolves.toEqual(appInfo);
    table.dispose();
  });

  it('refuses a wrong sender before the table is called', async () => {
    const { ipcMain, invoke } = fakeIpcMain();
    const getAppInfo = vi.fn(async () => appInfo);
    registerHandlerTable(ipcMain as never, { ...realTable(), getAppInfo } as HandlerTable);
    for (const frame of [null, { url: 'https://evil.example/', parent: null }, { url: 'app://portwise/index.html', parent: {} }]) {
      await expect(invoke(callChannel('getAppInfo'), frame, {})).rejects.toThrow('getAppInfo refused: untrusted sender');
    }
    expect(getAppInfo).not.toHaveBeenCalled();
  });

  it('refuses a malformed payload with the validation message, as a plain Error', async () => {
    const { ipcMain, invoke } = fakeIpcMain();
    registerHandlerTable(ipcMain as never, realTable());
    const bad = invoke(callChannel('getAppInfo'), appFrame, { extra: true });
    await expect(bad).rejects.toThrow(/^Invalid request to getAppInfo: /);
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('Error');
    expect(err).not.toHaveProperty('cause');
    await expect(invoke(callChannel('cancelDiagnosis'), appFrame, { runId: '../../etc' })).rejects.toThrow(/^Invalid request to cancelDiagnosis: runId/);
    await expect(invoke(callChannel('startDiagnosis'), appFrame, 'example.com:22')).rejects.toThrow(/^Invalid request to startDiagnosis/);
  });

  it('hides the message of an internal error from the page', async () => {
    const { ipcMain, invoke } = fakeIpcMain();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const getAppInfo = async () => {
      throw new Error('ENOENT: /home/alice/.config/portwise/secret');
    };
    registerHandlerTable(ipcMain as never, { ...realTable(), getAppInfo } as HandlerTable);
    const err = (await invoke(callChannel('getAppInfo'), appFrame, {}).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('getAppInfo failed: internal error');
    expect(err.message).not.toContain('alice');
    expect(err).not.toHaveProperty('cause');
    expect(error).toHaveBeenCalled();
    error.mockRestore();
  });
});

describe('createWindowEventSink', () => {
  const win = (destroyed: boolean, contentsDestroyed = false) => {
    const send = vi.fn();
    const w: EventTargetWindow = { isDestroyed: () => destroyed, webContents: { isDestroyed: () => contentsDestroyed, send } };
    return { w, send };
  };

  it('sends the payload on the contract channel and skips destroyed windows', () => {
    const live = win(false);
    const closed = win(true);
    const crashed = win(false, true);
    const sink = createWindowEventSink(() => [closed.w, live.w, crashed.w]);
    const payload = { runId: 'run-1', event: { type: 'cancelled' as const } };
    sink.emit('onDiagnosisEvent', payload);
    expect(live.send).toHaveBeenCalledExactlyOnceWith(eventChannel('onDiagnosisEvent'), payload);
    expect(closed.send).not.toHaveBeenCalled();
    expect(crashed.send).not.toHaveBeenCalled();
  });

  it('does nothing when there is no window', () => {
    expect(() => createWindowEventSink(() => []).emit('onDiagnosisEvent', { runId: 'r', event: { type: 'cancelled' } })).not.toThrow();
  });
});
