import { BrowserWindow, type WebPreferences } from 'electron';
import { APP_ENTRY_URL } from './app-protocol';

/**
 * The web preferences of every Portwise window. The page gets no Node, no Electron, no webview;
 * it talks to main only through the preload's `window.portwise`.
 */
export function hardenedWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    // Off: Chromium's spellchecker may download dictionaries, and the form takes host names.
    spellcheck: false,
  };
}

export interface CreateWindowOptions {
  /** Absolute path of the built preload, `out/preload/index.cjs`. */
  preloadPath: string;
}

/** The ONE window factory: every window of the app is made here, with the same preferences. */
export function createMainWindow({ preloadPath }: CreateWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 780,
    minWidth: 720,
    minHeight: 520,
    title: 'Portwise',
    // Shown on ready-to-show, so the user never sees an empty white frame.
    show: false,
    backgroundColor: '#0f172a',
    autoHideMenuBar: true,
    webPreferences: hardenedWebPreferences(preloadPath),
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_ENTRY_URL).catch((err: unknown) => {
    console.error('[portwise] failed to load the app page:', err);
  });
  return win;
}
