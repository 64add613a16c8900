// `npm start` (after the build): run the built app with Electron's own binary.
// Electron 45 fetches its binary the first time its path is asked for (npm 11 does not run its
// install script, and electron-vite's preview only looks for an installed binary), so we ask
// Electron's module itself: the first start downloads, later starts reuse the binary.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const appRoot = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

let electronBinary;
try {
  electronBinary = require('electron');
} catch (error) {
  console.error(`portwise: Electron could not be started: ${error.message}`);
  console.error('The first start downloads the Electron binary: it needs internet access (ELECTRON_MIRROR selects a mirror).');
  process.exit(1);
}

// With ELECTRON_RUN_AS_NODE set, the binary would run as plain Node instead of opening the app.
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;

const child = spawn(electronBinary, [appRoot, ...process.argv.slice(2)], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  console.error(`portwise: could not run ${electronBinary}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
