import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { callChannel, callNames, eventChannel, eventNames } from '../../../shared/common/ipc-names';

type Listener = (event: unknown, ...args: unknown[]) => void;

// The only boundary mocked: what the sandboxed preload gets from Electron.
const electron = vi.hoisted(() => {
  const listeners = new Map<string, Set<Listener>>();
  return {
    listeners,
    contextBridge: { exposeInMainWorld: vi.fn() },
    ipcRenderer: {
      invoke: vi.fn(async (channel: string, request: unknown) => ({ channel, request })),
      on: vi.fn((channel: string, listener: Listener) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)?.add(listener);
      }),
      removeListener: vi.fn((channel: string, listener: Listener) => {
        listeners.get(channel)?.delete(listener);
      }),
    },
  };
});
vi.mock('electron', () => ({ contextBridge: electron.contextBridge, ipcRenderer: electron.ipcRenderer }));

const emit = (channel: string, event: unknown, ...args: unknown[]) => {
  for (const listener of electron.listeners.get(channel) ?? []) listener(event, ...args);
};

let api: Record<string, (...args: unknown[]) => unknown>;

beforeAll(async () => {
  await import('../../../electron/preload/index');
  expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
  const [key, value] = electron.contextBridge.exposeInMainWorld.mock.calls[0] as [string, typeof api];
  expect(key).toBe('portwise');
  api = value;
});

describe('preload', () => {
  it('exposes exactly the contract names as functions, and nothing else', () => {
    expect(Object.keys(api).sort()).toEqual([...callNames, ...eventNames].sort());
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
    expect(api).not.toHaveProperty('ipcRenderer');
    expect(api).not.toHaveProperty('invoke');
  });

  it('each call invokes its own contract channel with the request, unchanged', async () => {
    for (const name of callNames) {
      const request = { probe: name };
      await expect(api[name]?.(request)).resolves.toEqual({ channel: callChannel(name), request });
    }
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledTimes(callNames.length);
  });

  it('event subscribers pass only the payload, never the IPC event, and unsubscribe', () => {
    for (const name of eventNames) {
      const seen: unknown[][] = [];
      const unsubscribe = api[name]?.((...args: unknown[]) => seen.push(args)) as () => void;
      expect(typeof unsubscribe).toBe('function');

      const ipcEvent = { sender: { send: () => {} }, ports: [], senderFrame: {} };
      const payload = { runId: 'run-1', event: { type: 'cancelled' } };
      emit(eventChannel(name), ipcEvent, payload, 'extra argument');
      expect(seen).toEqual([[payload]]);
      expect(seen.flat()).not.toContain(ipcEvent);

      unsubscribe();
      emit(eventChannel(name), ipcEvent, payload);
      expect(seen).toHaveLength(1);
      expect(electron.listeners.get(eventChannel(name))?.size ?? 0).toBe(0);
    }
  });

  it('refuses a subscriber that is not a function', () => {
    for (const name of eventNames) expect(() => api[name]?.('nope')).toThrow(TypeError);
  });

  it('imports only electron and the zod-free contract names at runtime', () => {
    const source = readFileSync(new URL('../../../electron/preload/index.ts', import.meta.url), 'utf8');
    const runtimeImports = [...source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    expect(runtimeImports.sort()).toEqual(['../../shared/common/ipc-names', 'electron']);
  });
});
