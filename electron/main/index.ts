import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, protocol, safeStorage } from 'electron';
import { createHandlerTable } from '../../shared/node/handlers';
import { registerAppProtocol, registerAppSchemeAsPrivileged } from './app-protocol-handler';
import { installHardening } from './hardening';
import { createWindowEventSink, registerHandlerTable } from './ipc';
import { electronPdfPrinter } from './print-pdf';
import { createSafeStorageCipher } from './safe-storage-cipher';
import { createMainWindow } from './window';

// Built layout: out/main/index.js, out/preload/index.cjs, out/renderer/index.html (inside app.asar
// when packaged; Electron's fs reads from the archive transparently).
const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));

// Privileged schemes can only be declared before `ready`.
registerAppSchemeAsPrivileged(protocol);
// Every renderer sandboxed, whatever a later BrowserWindow option says.
app.enableSandbox();

let mainWindow: BrowserWindow | null = null;
let disposeIpc: (() => void) | null = null;

function openWindow(): void {
  const win = createMainWindow({ preloadPath });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  mainWindow = win;
}

function start(): void {
  installHardening();
  registerAppProtocol(protocol, rendererDir);

  const table = createHandlerTable({
    sink: createWindowEventSink(() => (mainWindow ? [mainWindow] : [])),
    appInfo: { name: app.getName(), version: app.getVersion(), platform: process.platform },
    // After `ready`: before it, safeStorage cannot tell which keyring it would use.
    secretCipher: createSafeStorageCipher(safeStorage, process.platform),
    // The export dialog's PDF: printed by Electron's own Chromium, in a hidden window of its own.
    printPdf: electronPdfPrinter(),
  });
  const unregister = registerHandlerTable(ipcMain, table);
  disposeIpc = () => {
    unregister();
    table.dispose();
  };

  openWindow();
  // macOS: clicking the dock icon with no window open makes a new one.
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
}

if (!app.requestSingleInstanceLock()) {
  // Another Portwise is running; it receives `second-instance` and comes to the front.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('window-all-closed', () => {
    // macOS apps stay alive without windows until the user quits.
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('will-quit', () => {
    // Cancels running diagnoses (open sockets, SSH sessions) before the process exits.
    disposeIpc?.();
    disposeIpc = null;
  });

  app.whenReady().then(start).catch((err: unknown) => {
    console.error('[portwise] startup failed:', err);
    app.exit(1);
  });
}
