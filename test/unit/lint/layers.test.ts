import { spawnSync } from 'node:child_process';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer rules of STYLE.md, proven on the real eslint.config.js: each wrong import is an error.
const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImportErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

// A cold ESLint (typescript-eslint, svelte parser) can take several seconds on a busy 2-core machine.
describe('layer rules', { timeout: 60_000 }, () => {
  it.each([
    ['renderer/probe.ts', "import { startDiagnosis } from '../shared/node/session';\nexport const x = startDiagnosis;\n"],
    ['renderer/probe.ts', "import { readFile } from 'node:fs/promises';\nexport const x = readFile;\n"],
    ['renderer/probe.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n"],
    ['renderer/probe.ts', "import { Client } from 'ssh2';\nexport const x = Client;\n"],
    ['renderer/probe.ts', "import { create } from 'zustand';\nexport const x = create;\n"],
    ['shared/common/probe.ts', "import net from 'node:net';\nexport const x = net;\n"],
    ['shared/common/probe.ts', "import { EventEmitter } from 'events';\nexport const x = EventEmitter;\n"],
    ['renderer/probe.ts', "import fs from 'fs';\nexport const x = fs;\n"],
    ['shared/common/probe.ts', "import { startDiagnosis } from '../node/session';\nexport const x = startDiagnosis;\n"],
    ['shared/node/probe.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['electron/preload/probe.ts', "import { z } from 'zod';\nexport const x = z;\n"],
    ['electron/preload/probe.ts', "import { startDiagnosis } from '../../shared/node/session';\nexport const x = startDiagnosis;\n"],
    ['electron/main/probe.ts', "import App from '../../renderer/App.svelte';\nexport const x = App;\n"],
  ])('%s may not: %s', async (filePath, code) => {
    expect(await restrictedImportErrors(filePath, code)).not.toEqual([]);
  });

  it('flags an engine import inside a Svelte component', async () => {
    const code = "<script lang=\"ts\">\n  import { startDiagnosis } from '../shared/node/session';\n  const x = startDiagnosis;\n</script>\n<p>{String(x)}</p>\n";
    expect(await restrictedImportErrors('renderer/Probe.svelte', code)).not.toEqual([]);
  });

  it.each([
    ['renderer/probe.ts', "import { parseTarget } from '../shared/common/schema/target';\nimport { createStore } from 'zustand/vanilla';\nexport const x = [parseTarget, createStore];\n"],
    ['shared/common/probe.ts', "import { isIpv4 } from './net/address';\nimport { DiagnosisEvent } from './schema/events';\nexport const x = [isIpv4, DiagnosisEvent];\n"],
    ['shared/node/probe.ts', "import net from 'node:net';\nimport { parseTarget } from '../common/schema/target';\nexport const x = [net, parseTarget];\n"],
    ['electron/preload/probe.ts', "import { contextBridge } from 'electron';\nimport { callNames } from '../../shared/common/ipc-names';\nexport const x = [contextBridge, callNames];\n"],
  ])('%s may: %s', async (filePath, code) => {
    expect(await restrictedImportErrors(filePath, code)).toEqual([]);
  });

  it('fails the eslint command (and so the build and CI) on a renderer import of the engine', () => {
    const run = spawnSync('npx', ['eslint', '--max-warnings', '0', '--stdin', '--stdin-filename', 'renderer/probe.ts'], {
      input: "import { startDiagnosis } from '../shared/node/session';\nexport const x = startDiagnosis;\n",
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('no-restricted-imports');
  });
});
