import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `npm start`'s launcher, through Electron's real module. ELECTRON_OVERRIDE_DIST_PATH is Electron's
// own switch for a binary from elsewhere: here a stand-in that records how it was called, so the
// test needs no download (and sends no traffic anywhere).
const dir = mkdtempSync(path.join(tmpdir(), 'pw-launch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('electron/launch.mjs', () => {
  it('runs the Electron binary on the app root, without ELECTRON_RUN_AS_NODE, and passes its exit code', () => {
    const record = path.join(dir, 'called.json');
    const fake = path.join(dir, 'electron');
    writeFileSync(fake, `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), runAsNode: process.env.ELECTRON_RUN_AS_NODE ?? null }));\nprocess.exit(7);\n`);
    chmodSync(fake, 0o755);
    const run = spawnSync('node', ['electron/launch.mjs', '--flag'], { env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: dir, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' });
    expect(run.status).toBe(7);
    const called = JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; runAsNode: string | null };
    expect(called.argv).toEqual([path.resolve('.') + path.sep, '--flag']);
    expect(called.runAsNode).toBeNull();
  });

  it('says what is wrong when the binary cannot run', () => {
    const empty = mkdtempSync(path.join(dir, 'empty-'));
    const run = spawnSync('node', ['electron/launch.mjs'], { env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty }, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('portwise: could not run');
  });
});
