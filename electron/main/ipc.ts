import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { callChannel, callNames, eventChannel, type EventName } from '../../shared/common/ipc-names';
import type { EventPayload } from '../../shared/common/ipc';
import { IpcValidationError, type EventSink, type HandlerTable } from '../../shared/node/handlers';
import { isAppUrl } from './app-protocol';

/** The part of an IPC sender frame we look at (Electron's `WebFrameMain` has it). */
export interface SenderFrame {
  url: string;
  parent: unknown;
}

/**
 * True only for a top-level frame showing our own page (`app://portwise/...`). A sub-frame, a page
 * that navigated elsewhere, or a frame that is already gone (null) is not trusted.
 */
export function isTrustedSender(frame: SenderFrame | null | undefined): boolean {
  if (!frame) return false;
  try {
    if (frame.parent !== null) return false;
    return isAppUrl(frame.url);
  } catch {
    // `WebFrameMain` getters throw once the frame is disposed; a malformed URL throws too.
    return false;
  }
}

type InvokeEventLike = Pick<IpcMainInvokeEvent, 'senderFrame'>;
type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;

function senderFrameOf(event: InvokeEventLike): SenderFrame | null {
  try {
    return event.senderFrame;
  } catch {
    // Reading `senderFrame` throws once the frame is disposed: treat it as no sender.
    return null;
  }
}

/**
 * Registers one `ipcMain.handle` per contract call. Each call checks the sender, then the table
 * validates the payload. The renderer only ever sees an Error with a short message: Electron
 * forwards the message of a thrown Error, so internal errors are replaced by a generic one and
 * logged here instead. Returns a function that removes the handlers.
 */
export function registerHandlerTable(ipcMain: IpcMainLike, table: HandlerTable): () => void {
  for (const name of callNames) {
    const handler = table[name] as (request: unknown) => Promise<unknown>;
    ipcMain.handle(callChannel(name), async (event: InvokeEventLike, request: unknown) => {
      if (!isTrustedSender(senderFrameOf(event))) throw new Error(`${name} refused: untrusted sender`);
      try {
        return await handler(request);
      } catch (err) {
        // A fresh Error without `cause`: only our message crosses the boundary, never the original
        // error's stack, fields or (for internal errors) its message, which may name local paths.
        // eslint-disable-next-line preserve-caught-error -- not chaining is the point here
        if (err instanceof IpcValidationError) throw new Error(err.message);
        console.error(`[portwise] ${name} failed:`, err);
        // eslint-disable-next-line preserve-caught-error -- logged above; not sent to the page
        throw new Error(`${name} failed: internal error`);
      }
    });
  }
  return () => {
    for (const name of callNames) ipcMain.removeHandler(callChannel(name));
  };
}

/** The minimal window surface the event sink needs (BrowserWindow has it). */
export interface EventTargetWindow {
  isDestroyed(): boolean;
  webContents: { isDestroyed(): boolean; send(channel: string, ...args: unknown[]): void };
}

/** Sends contract events to the app window(s); windows that were closed meanwhile are skipped. */
export function createWindowEventSink(windows: () => readonly EventTargetWindow[]): EventSink {
  return {
    emit<N extends EventName>(name: N, payload: EventPayload<N>) {
      for (const win of windows()) {
        if (win.isDestroyed() || win.webContents.isDestroyed()) continue;
        win.webContents.send(eventChannel(name), payload);
      }
    },
  };
}
