import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import type { EventPayload } from '../../../shared/common/ipc';
import { callNames, eventNames, type CallName, type EventName } from '../../../shared/common/ipc-names';
import type { EventSink, HandlerTable } from '../../../shared/node/handlers';

/**
 * Gives a page in Chromium the same `window.portwise` the Electron preload gives the app window:
 * one function per contract call, one subscriber per contract event, built from the contract's
 * names. Calls go to the REAL handler table (the one Electron registers with ipcMain); events the
 * table emits are delivered to the page's subscribers. The page sees a frozen object of functions,
 * as it would from `contextBridge`; the Playwright bindings behind it are taken out of `window`.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * Chromium on a profile folder of its own (`userDataDir`), as Electron runs its window on the
 * persistent default session of the app's userData folder; `launchChromium` gives off-the-record
 * contexts instead.
 */
export function launchPersistentChromium(userDataDir: string, options: BrowserContextOptions): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { ...options, executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

const CALL_BINDING = '__portwiseBridgeCall';
const EVENTS_BINDING = '__portwiseBridgeEvents';

type QueuedEvent = { name: EventName; payload: unknown };

/**
 * The event side: an `EventSink` for `createHandlerTable`. Like `webContents.send`, an event goes to
 * every open page; each page pulls its queue through a binding (a long poll), so nothing in the
 * page's global scope can be called to inject events.
 */
export class PageEventRelay implements EventSink {
  private readonly queues = new Map<Page, QueuedEvent[]>();
  private readonly waiters = new Map<Page, (batch: QueuedEvent[]) => void>();
  /** Every event emitted, in order, for assertions. */
  readonly emitted: QueuedEvent[] = [];

  emit<N extends EventName>(name: N, payload: EventPayload<N>): void {
    const event = { name, payload };
    this.emitted.push(event);
    for (const [page, queue] of this.queues) {
      queue.push(event);
      this.flush(page);
    }
  }

  attach(page: Page): void {
    if (this.queues.has(page)) return;
    this.queues.set(page, []);
    page.once('close', () => this.detach(page));
  }

  /** Resolves with the queued events as soon as there is at least one (or [] when the page goes). */
  next(page: Page): Promise<QueuedEvent[]> {
    this.attach(page);
    this.waiters.get(page)?.([]);
    return new Promise((resolve) => {
      this.waiters.set(page, resolve);
      this.flush(page);
    });
  }

  detach(page: Page): void {
    this.waiters.get(page)?.([]);
    this.waiters.delete(page);
    this.queues.delete(page);
  }

  close(): void {
    for (const page of [...this.queues.keys()]) this.detach(page);
  }

  private flush(page: Page): void {
    const queue = this.queues.get(page);
    const waiter = this.waiters.get(page);
    if (!queue || !waiter || queue.length === 0) return;
    this.waiters.delete(page);
    waiter(queue.splice(0));
  }
}

/**
 * Runs in the page before any of its scripts (an init script), written as plain JavaScript text so
 * no transpiler helper can sneak into it. Mirrors `electron/preload/index.ts`.
 */
function pageApiScript(): string {
  return `(() => {
  const callNames = ${JSON.stringify(callNames)};
  const eventNames = ${JSON.stringify(eventNames)};
  const call = globalThis[${JSON.stringify(CALL_BINDING)}];
  const nextEvents = globalThis[${JSON.stringify(EVENTS_BINDING)}];
  delete globalThis[${JSON.stringify(CALL_BINDING)}];
  delete globalThis[${JSON.stringify(EVENTS_BINDING)}];
  if (typeof call !== 'function' || typeof nextEvents !== 'function') throw new Error('portwise e2e bridge: bindings missing');
  const listeners = new Map(eventNames.map((name) => [name, new Set()]));
  const api = {};
  for (const name of callNames) api[name] = (request) => call(name, request);
  for (const name of eventNames) {
    api[name] = (listener) => {
      if (typeof listener !== 'function') throw new TypeError(name + ' expects a function');
      const wrapped = (payload) => listener(payload);
      listeners.get(name).add(wrapped);
      return () => { listeners.get(name).delete(wrapped); };
    };
  }
  Object.defineProperty(globalThis, 'portwise', { value: Object.freeze(api), enumerable: true, writable: false, configurable: false });
  (async () => {
    for (;;) {
      let batch;
      try { batch = await nextEvents(); } catch { return; }
      for (const { name, payload } of batch) {
        for (const listener of [...(listeners.get(name) ?? [])]) {
          // A listener's error is the page's uncaught error, as with ipcRenderer.on.
          try { listener(payload); } catch (error) { setTimeout(() => { throw error; }); }
        }
      }
    }
  })();
})();`;
}

export interface BridgeCall {
  name: CallName;
  request: unknown;
}

export interface PortwiseBridge {
  /** Every call the page made, in order. */
  readonly calls: BridgeCall[];
}

/** Installs `window.portwise` in every page of `context`, backed by `table` and `relay`. */
export async function installPortwiseBridge(context: BrowserContext, table: HandlerTable, relay: PageEventRelay): Promise<PortwiseBridge> {
  const calls: BridgeCall[] = [];
  const known = new Set<string>(callNames);
  context.on('page', (page) => relay.attach(page));
  for (const page of context.pages()) relay.attach(page);
  // Bindings first: the init script below takes them out of `window` before the page's own scripts run.
  await context.exposeBinding(CALL_BINDING, async (_source, name: unknown, request: unknown) => {
    if (typeof name !== 'string' || !known.has(name)) throw new Error(`No such call: ${String(name)}`);
    const callName = name as CallName;
    calls.push({ name: callName, request });
    return table[callName](request);
  });
  await context.exposeBinding(EVENTS_BINDING, (source) => relay.next(source.page));
  await context.addInitScript({ content: pageApiScript() });
  return { calls };
}
