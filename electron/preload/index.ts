import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { PortwiseApi } from '../../shared/common/ipc';
import { callChannel, callNames, eventChannel, eventNames } from '../../shared/common/ipc-names';

/**
 * `window.portwise`: one function per contract call and one subscriber per contract event, nothing
 * else. The page never gets `ipcRenderer`, the IPC event object, nor anything from Node. Payloads are
 * validated in main; the preload stays a thin, zod-free pass-through (it runs sandboxed).
 */
function buildApi(): PortwiseApi {
  const api: Record<string, unknown> = {};
  for (const name of callNames) {
    const channel = callChannel(name);
    api[name] = (request: unknown) => ipcRenderer.invoke(channel, request);
  }
  for (const name of eventNames) {
    const channel = eventChannel(name);
    api[name] = (listener: (payload: unknown) => void) => {
      if (typeof listener !== 'function') throw new TypeError(`${name} expects a function`);
      // Only the payload reaches the page: the IpcRendererEvent (with `sender`, `ports`) stays here.
      const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
      ipcRenderer.on(channel, wrapped);
      return () => {
        ipcRenderer.removeListener(channel, wrapped);
      };
    };
  }
  // The loops above cover exactly `callNames` and `eventNames`, which `ipc.ts` checks against the
  // contract; the cast only restores the per-name types the loops cannot express.
  return Object.freeze(api) as PortwiseApi;
}

contextBridge.exposeInMainWorld('portwise', buildApi());
