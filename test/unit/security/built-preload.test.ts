// The BUILT preload (out/preload/index.cjs), the very file Electron loads, run in a fresh V8 context
// with a fake `require('electron')`: what it hands to contextBridge is what the page gets.
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { callChannel, callNames, eventChannel, eventNames } from '../../../shared/common/ipc-names';
import { preloadFile, requireBuilt } from './built-output';

type Fn = (...args: unknown[]) => unknown;
interface Call {
  method: string;
  args: unknown[];
}

/** What a sandboxed preload gets from Electron, recording every use. */
function fakeElectron() {
  const calls: Call[] = [];
  const exposed: { key: string; api: unknown }[] = [];
  const listeners = new Map<string, Set<Fn>>();
  const record =
    (method: string, result: (...args: unknown[]) => unknown = () => undefined): Fn =>
    (...args) => {
      calls.push({ method, args });
      return result(...args);
    };
  const ipcRenderer = {
    invoke: record('invoke', (channel, request) => Promise.resolve({ channel, request })),
    send: record('send'),
    sendSync: record('sendSync'),
    sendToHost: record('sendToHost'),
    postMessage: record('postMessage'),
    on: record('on', (channel, listener) => {
      if (!listeners.has(channel as string)) listeners.set(channel as string, new Set());
      listeners.get(channel as string)?.add(listener as Fn);
    }),
    once: record('once'),
    addListener: record('addListener'),
    removeListener: record('removeListener', (channel, listener) => listeners.get(channel as string)?.delete(listener as Fn)),
    removeAllListeners: record('removeAllListeners'),
  };
  const contextBridge = {
    exposeInMainWorld: (key: string, api: unknown) => exposed.push({ key, api }),
    exposeInIsolatedWorld: record('exposeInIsolatedWorld'),
  };
  const webFrame = { executeJavaScript: record('webFrame.executeJavaScript') };
  return { calls, exposed, listeners, electron: { contextBridge, ipcRenderer, webFrame }, ipcRenderer };
}

let fake: ReturnType<typeof fakeElectron>;
let required: string[];
let api: Record<string, unknown>;
let sandboxGlobals: string[];

beforeAll(() => {
  const source = readFileSync(requireBuilt(preloadFile), 'utf8');
  fake = fakeElectron();
  required = [];
  // A sandboxed preload's `require` knows only a few modules; ours may use electron alone.
  const fakeRequire = (id: string) => {
    required.push(id);
    if (id === 'electron') return fake.electron;
    throw new Error(`the preload required ${id}`);
  };
  const module = { exports: {} };
  // Nothing from Node is in the context: no process, Buffer, setTimeout, globalThis.require.
  const context = vm.createContext({});
  const before = new Set(Object.getOwnPropertyNames(vm.runInContext('globalThis', context) as object));
  const wrapper = vm.runInContext(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, context, { filename: preloadFile }) as Fn;
  wrapper(module.exports, fakeRequire, module, preloadFile, '/');
  sandboxGlobals = Object.getOwnPropertyNames(vm.runInContext('globalThis', context) as object).filter((name) => !before.has(name));
  expect(fake.exposed).toHaveLength(1);
  const [only] = fake.exposed as [{ key: string; api: unknown }];
  expect(only.key).toBe('portwise');
  api = only.api as Record<string, unknown>;
});

describe('the built preload, run against a fake contextBridge', () => {
  it('requires electron only, and leaves nothing on the page\'s global', () => {
    expect([...new Set(required)]).toEqual(['electron']);
    expect(sandboxGlobals).toEqual([]);
  });

  it('exposes exactly the contract\'s functions and nothing else', () => {
    expect(Object.getOwnPropertyNames(api).sort()).toEqual([...callNames, ...eventNames].sort());
    expect(Object.getOwnPropertySymbols(api)).toEqual([]);
    for (const name of Object.getOwnPropertyNames(api)) expect(typeof api[name], name).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
    // A plain object: nothing reachable through a custom prototype either.
    expect(Object.getOwnPropertyNames(Object.getPrototypeOf(api) as object).sort()).toEqual(Object.getOwnPropertyNames(Object.prototype).sort());
  });

  it('exposes no ipcRenderer, no generic invoke/send and no Electron object', () => {
    const values = Object.values(api);
    for (const generic of ['ipcRenderer', 'invoke', 'send', 'sendSync', 'on', 'once', 'postMessage', 'require', 'process', 'electron', 'webFrame']) {
      expect(api, generic).not.toHaveProperty(generic);
    }
    for (const part of [fake.ipcRenderer, fake.electron, fake.electron.contextBridge, ...Object.values(fake.ipcRenderer)]) expect(values).not.toContain(part);
    expect(fake.calls).toEqual([]);
  });

  it('each call goes to its own channel with invoke; a channel name passed by the page is only data', async () => {
    for (const name of callNames) {
      fake.calls.length = 0;
      // The page tries to pick the channel in every argument, the way a generic invoke(channel, ...args) would take it.
      const other = 'portwise:call:clearHistory';
      const result = await (api[name] as Fn)(other, other, other);
      expect(fake.calls).toEqual([{ method: 'invoke', args: [callChannel(name), other] }]);
      expect(result).toEqual({ channel: callChannel(name), request: 'portwise:call:clearHistory' });
    }
  });

  it('an event subscriber listens on its own channel, hands the page only the payload, and unsubscribes', () => {
    for (const name of eventNames) {
      fake.calls.length = 0;
      const seen: unknown[][] = [];
      const unsubscribe = (api[name] as Fn)((...args: unknown[]) => seen.push(args)) as Fn;
      expect(fake.calls.map((c) => [c.method, c.args[0]])).toEqual([['on', eventChannel(name)]]);
      const ipcEvent = { sender: fake.ipcRenderer, senderFrame: {}, ports: [] };
      for (const listener of fake.listeners.get(eventChannel(name)) ?? []) listener(ipcEvent, { runId: 'r1' }, 'more');
      expect(seen).toEqual([[{ runId: 'r1' }]]);
      unsubscribe();
      expect(fake.listeners.get(eventChannel(name))?.size).toBe(0);
      expect(() => (api[name] as Fn)('not a function')).toThrow();
    }
  });

  it('never sends, sends synchronously or posts messages, whatever the page calls', async () => {
    fake.calls.length = 0;
    for (const name of callNames) await (api[name] as Fn)({});
    for (const name of eventNames) ((api[name] as Fn)(() => undefined) as Fn)();
    const used = new Set(fake.calls.map((c) => c.method));
    expect([...used].sort()).toEqual(['invoke', 'on', 'removeListener']);
  });
});
