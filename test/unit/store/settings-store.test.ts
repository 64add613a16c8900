import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSettings, saveSettings, settingsFilePath } from '../../../shared/node/store/settings-store';

let home: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'pw-settings-'));
  env = { PORTWISE_HOME: home };
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const write = (text: string) => {
  mkdirSync(home, { recursive: true });
  writeFileSync(settingsFilePath(env), text);
};

describe('settings.json: shared preferences of the app and the CLI', () => {
  it('no file: the defaults, and reading creates nothing', async () => {
    await expect(readSettings(env)).resolves.toEqual({ settings: { knownHostsWrites: 'portwise' }, notices: [], writable: true });
    expect(readdirSync(home)).toEqual([]);
  });

  it('a saved choice is read back; the file is versioned and marked', async () => {
    await expect(saveSettings({ knownHostsWrites: 'portwise-and-openssh' }, env)).resolves.toEqual({ ok: true, settings: { knownHostsWrites: 'portwise-and-openssh' }, notices: [] });
    expect(JSON.parse(readFileSync(settingsFilePath(env), 'utf8'))).toEqual({ schema: 'portwise.settings', version: 1, settings: { knownHostsWrites: 'portwise-and-openssh' } });
    expect((await readSettings(env)).settings.knownHostsWrites).toBe('portwise-and-openssh');
    // No lock left behind.
    expect(readdirSync(home).sort()).toEqual(['settings.json']);
  });

  it('a damaged file: the defaults and a notice naming it; nothing moves until a change is saved, which keeps the old bytes aside', async () => {
    write('{not json');
    const read = await readSettings(env);
    expect(read.settings.knownHostsWrites).toBe('portwise');
    expect(read.notices).toEqual([expect.stringContaining(`${settingsFilePath(env)} is damaged (not JSON)`)]);
    expect(readdirSync(home)).toEqual(['settings.json']);

    const saved = await saveSettings({ knownHostsWrites: 'portwise-and-openssh' }, env, () => new Date('2026-11-24T10:00:00Z'));
    expect(saved).toMatchObject({ ok: true, notices: [expect.stringContaining('moved to')] });
    const aside = readdirSync(home).filter((f) => f.startsWith('settings.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(home, aside[0] as string), 'utf8')).toBe('{not json');
  });

  it('a bad value falls back to its default alone; keys this build does not know are kept when saving', async () => {
    write(JSON.stringify({ schema: 'portwise.settings', version: 1, settings: { knownHostsWrites: 'everywhere', theme: 'dark' } }));
    expect((await readSettings(env)).settings).toEqual({ knownHostsWrites: 'portwise' });
    await saveSettings({ knownHostsWrites: 'portwise-and-openssh' }, env);
    expect(JSON.parse(readFileSync(settingsFilePath(env), 'utf8')).settings).toEqual({ knownHostsWrites: 'portwise-and-openssh', theme: 'dark' });
  });

  it('a file from a newer Portwise is read for what is known, and never written', async () => {
    const newer = JSON.stringify({ schema: 'portwise.settings', version: 7, settings: { knownHostsWrites: 'portwise-and-openssh' } });
    write(newer);
    const read = await readSettings(env);
    expect(read).toMatchObject({ settings: { knownHostsWrites: 'portwise-and-openssh' }, writable: false, notices: [expect.stringContaining('newer Portwise (version 7)')] });
    await expect(saveSettings({ knownHostsWrites: 'portwise' }, env)).resolves.toMatchObject({ ok: false, message: expect.stringContaining('update Portwise') });
    expect(readFileSync(settingsFilePath(env), 'utf8')).toBe(newer);
  });

  it('another program\'s JSON in its place is damaged, not settings', async () => {
    write(JSON.stringify({ knownHostsWrites: 'portwise-and-openssh' }));
    expect(await readSettings(env)).toMatchObject({ settings: { knownHostsWrites: 'portwise' }, notices: [expect.stringContaining('settings.json is damaged (schema: ')] });
  });
});
