import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandlerTable } from '../../shared/node/handlers';
import { expectNoAxeViolations, useTheme } from './harness/axe';
import { screenshotDir as shots, useWizardSession, WAIT_MS } from './harness/wizard-session';

/**
 * The known-hosts manager in Chromium, with the real handler table and the real manager on a
 * private HOME: keys from ssh-keygen, a user file hashed by `ssh-keygen -H`, Portwise's own file
 * written through the page.
 */

// A private HOME for the engine: its ~/.ssh and Portwise's folder are the test's own.
const home = mkdtempSync(join(tmpdir(), 'pw-e2e-known-hosts-'));
const ctx = useWizardSession((sink) => createHandlerTable({ sink, appInfo: { name: 'Portwise', version: '0.0.0-e2e', platform: 'linux' }, env: { HOME: home, PORTWISE_HOME: join(home, 'portwise') } }));
let page: Page;

beforeEach(() => {
  page = ctx.page;
});

function keyLine(name: string): { line: string; fingerprint: string } {
  const path = join(home, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${name}`, '-f', path]);
  const line = execFileSync('cat', [`${path}.pub`], { encoding: 'utf8' }).trim();
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return { line, fingerprint };
}

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const section = (title: string) => page.getByRole('region', { name: title });

describe('known hosts', () => {
  it('pins a pasted key in its own file, finds a hashed entry of the user file, removes a key after a second press', async () => {
    const db = keyLine('db');
    const bastion = keyLine('bastion');
    await mkdir(join(home, '.ssh'), { recursive: true });
    await writeFile(join(home, '.ssh', 'known_hosts'), `bastion.example.com ${bastion.line.split(' ').slice(0, 2).join(' ')}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', join(home, '.ssh', 'known_hosts')], { stdio: 'ignore' });

    await page.getByRole('button', { name: 'Known hosts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Known hosts' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Known hosts' }).getAttribute('aria-current')).toBe('page');
    await section("Portwise's own file").getByText('No key on record here.').waitFor({ timeout: WAIT_MS });
    // The user's file is hashed: the name cannot be read back, the entry is shown as such.
    await expect.poll(() => section('Your files (read only)').innerText()).toContain('hashed entry');
    expect(await section('Your files (read only)').getByRole('button').count()).toBe(0);

    // A bad paste is a sentence, and nothing is written.
    const pin = page.getByRole('form', { name: 'Pin a host key' });
    await pin.getByLabel('Host').fill('db.example.com');
    await pin.getByLabel('Port').fill('2222');
    await pin.getByLabel('Public key').fill('-----BEGIN OPENSSH PRIVATE KEY-----');
    await pin.getByRole('button', { name: 'Pin this key' }).click();
    await page.getByText('No key type was found', { exact: false }).waitFor();

    await pin.getByLabel('Public key').fill(db.line);
    await pin.getByRole('button', { name: 'Pin this key' }).click();
    await page.getByText(`Pinned ${db.fingerprint} for [db.example.com]:2222, in ${join(home, 'portwise', 'known_hosts')}.`).waitFor({ timeout: WAIT_MS });
    expect(await readFile(join(home, 'portwise', 'known_hosts'), 'utf8')).toBe(`[db.example.com]:2222 ${db.line.split(' ').slice(0, 2).join(' ')}\n`);
    const own = section("Portwise's own file");
    await expect.poll(() => own.innerText()).toContain('[db.example.com]:2222');
    expect(await own.innerText()).toContain(db.fingerprint);
    await page.screenshot({ path: join(shots, '30-known-hosts.png'), fullPage: true });
    await expectNoAxeViolations(page, 'known hosts with own and user entries');
    await useTheme(page, 'dark');
    await page.screenshot({ path: join(shots, '30-known-hosts-dark.png'), fullPage: true });
    await useTheme(page, 'light');

    // Find: the hashed bastion entry matches its name; db's own entry matches only its port.
    const filter = page.getByRole('form', { name: 'Find the keys of one host' });
    await filter.getByLabel('Host').fill('bastion.example.com');
    await filter.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => section('Your files (read only)').innerText()).toContain(bastion.fingerprint);
    await own.getByText('No key on record here for this host.').waitFor();
    await filter.getByLabel('Host').fill('db.example.com');
    await filter.getByLabel('Port').fill('2222');
    await filter.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => own.innerText()).toContain(db.fingerprint);

    // Remove needs a second, deliberate press; "Keep" leaves it.
    await own.getByRole('button', { name: `Remove the key ${db.fingerprint}` }).click();
    await own.getByRole('button', { name: 'Keep' }).click();
    expect(await own.innerText()).toContain(db.fingerprint);
    await own.getByRole('button', { name: `Remove the key ${db.fingerprint}` }).click();
    await own.getByRole('button', { name: /^Remove SHA256:/ }).click();
    await page.getByText(`Removed ${db.fingerprint}: Portwise will ask again at the next login to that host.`).waitFor({ timeout: WAIT_MS });
    await own.getByText('No key on record here for this host.').waitFor();
    expect(await readFile(join(home, 'portwise', 'known_hosts'), 'utf8')).toBe('');

    // Back to the wizard: the form, as it was.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Diagnose' }).click();
    await page.getByRole('textbox', { name: /Target/ }).waitFor();
  });
});

// The files the "Where trusted keys are written" choice touches.
const portwiseHomeDir = join(home, 'portwise');
const ownFile = join(portwiseHomeDir, 'known_hosts');
const openSshFile = join(home, '.ssh', 'known_hosts');
const settingsFile = join(portwiseHomeDir, 'settings.json');

/** The line `ssh-keygen`'s public key gives for host (port 22: the bare name), without its comment. */
const knownHostsLine = (host: string, key: { line: string }) => `${host} ${key.line.split(' ').slice(0, 2).join(' ')}`;

async function readOrNothing(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** No settings (nor a damaged one set aside), no key on record: each test starts from the defaults. */
async function resetWritesFiles(): Promise<void> {
  await mkdir(portwiseHomeDir, { recursive: true });
  for (const name of await readdir(portwiseHomeDir)) {
    if (name === 'settings.json' || name.startsWith('settings.json.corrupt-')) await rm(join(portwiseHomeDir, name), { force: true });
  }
  await rm(ownFile, { force: true });
  await rm(openSshFile, { force: true });
}

describe('where trusted keys are written', () => {
  beforeEach(resetWritesFiles);
  // The first test pins in Portwise's own file only: leave no choice behind for it, whatever the order.
  afterEach(resetWritesFiles);

  const writesPanel = () => section('Where trusted keys are written');
  const ownOnly = () => writesPanel().getByRole('radio', { name: /^Portwise's own file only/ });
  const alsoOpenSsh = () => writesPanel().getByRole('radio', { name: /^Also add them to/ });
  const savedMessage = 'Saved: the app and the command line write trusted keys this way from now on.';

  async function openKnownHosts(): Promise<void> {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Known hosts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Known hosts' }).waitFor();
    await ownOnly().waitFor({ timeout: WAIT_MS });
  }

  async function pinPasted(host: string, key: { line: string }): Promise<void> {
    const pin = page.getByRole('form', { name: 'Pin a host key' });
    await pin.getByLabel('Host').fill(host);
    await pin.getByLabel('Port').fill('22');
    await pin.getByLabel('Public key').fill(key.line);
    await pin.getByRole('button', { name: 'Pin this key' }).click();
  }

  it("shows Portwise's own file only, checked, by default, naming both real files", async () => {
    await openKnownHosts();
    expect(await ownOnly().isChecked()).toBe(true);
    expect(await alsoOpenSsh().isChecked()).toBe(false);
    expect(await ownOnly().isEnabled()).toBe(true);
    expect(await alsoOpenSsh().isEnabled()).toBe(true);
    // Each choice names the file it writes: the real paths of this HOME and PORTWISE_HOME.
    expect(await writesPanel().getByText("Portwise's own file only").innerText()).toContain(ownFile);
    expect(await writesPanel().getByText('Also add them to').innerText()).toContain(openSshFile);
    // Nothing to report, nothing written by merely looking.
    expect((await writesPanel().getByRole('status').innerText()).trim()).toBe('');
    expect(await readOrNothing(settingsFile)).toBeNull();
    await expectNoAxeViolations(page, 'known hosts with the writes choice');
  });

  it('saves "also ~/.ssh/known_hosts" at once, in settings.json, and keeps it after a reload', async () => {
    await openKnownHosts();
    // By keyboard, as a radio group is used: the focus stays on the choice while it is saved.
    await ownOnly().focus();
    await page.keyboard.press('ArrowDown');
    await writesPanel().getByRole('status').getByText(savedMessage).waitFor({ timeout: WAIT_MS });
    expect(await alsoOpenSsh().evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    expect(await alsoOpenSsh().isChecked()).toBe(true);
    expect(await ownOnly().isChecked()).toBe(false);
    const saved = JSON.parse((await readOrNothing(settingsFile)) ?? 'null') as { schema: string; version: number; settings: Record<string, unknown> };
    expect(saved).toEqual({ schema: 'portwise.settings', version: 1, settings: { knownHostsWrites: 'portwise-and-openssh' } });

    await page.reload();
    await openKnownHosts();
    expect(await alsoOpenSsh().isChecked()).toBe(true);
    expect(await ownOnly().isChecked()).toBe(false);
    // A reload reads; it writes nothing and says nothing.
    expect((await writesPanel().getByRole('status').innerText()).trim()).toBe('');
  });

  it('pins in both files when chosen, removes from its own file only, and pins in its own file only once switched back', async () => {
    const web = keyLine('web');
    const cache = keyLine('cache');
    await openKnownHosts();
    await alsoOpenSsh().check();
    await writesPanel().getByRole('status').getByText(savedMessage).waitFor({ timeout: WAIT_MS });

    await pinPasted('web.example.com', web);
    await page.getByText(`Pinned ${web.fingerprint} for web.example.com, in ${ownFile} and in ${openSshFile}.`, { exact: true }).waitFor({ timeout: WAIT_MS });
    expect(await readFile(ownFile, 'utf8')).toBe(`${knownHostsLine('web.example.com', web)}\n`);
    expect(await readFile(openSshFile, 'utf8')).toBe(`${knownHostsLine('web.example.com', web)}\n`);
    const own = section("Portwise's own file");
    await expect.poll(() => own.innerText()).toContain(web.fingerprint);
    await expect.poll(() => section('Your files (read only)').innerText()).toContain(web.fingerprint);

    // Removing it is Portwise's own file's business: OpenSSH's file keeps the key.
    await own.getByRole('button', { name: `Remove the key ${web.fingerprint}` }).click();
    await own.getByRole('button', { name: /^Remove SHA256:/ }).click();
    await page.getByText(`Removed ${web.fingerprint}: Portwise will ask again at the next login to that host.`).waitFor({ timeout: WAIT_MS });
    await own.getByText('No key on record here.').waitFor();
    expect(await readFile(ownFile, 'utf8')).toBe('');
    expect(await readFile(openSshFile, 'utf8')).toBe(`${knownHostsLine('web.example.com', web)}\n`);
    expect(await section('Your files (read only)').innerText()).toContain(web.fingerprint);

    // Back to Portwise's own file only: the next pin leaves ~/.ssh/known_hosts as it is.
    await ownOnly().check();
    await writesPanel().getByRole('status').getByText(savedMessage).waitFor({ timeout: WAIT_MS });
    expect(JSON.parse(await readFile(settingsFile, 'utf8'))).toMatchObject({ settings: { knownHostsWrites: 'portwise' } });
    await pinPasted('cache.example.com', cache);
    await page.getByText(`Pinned ${cache.fingerprint} for cache.example.com, in ${ownFile}.`, { exact: true }).waitFor({ timeout: WAIT_MS });
    expect(await readFile(ownFile, 'utf8')).toBe(`${knownHostsLine('cache.example.com', cache)}\n`);
    expect(await readFile(openSshFile, 'utf8')).toBe(`${knownHostsLine('web.example.com', web)}\n`);
  });

  it('names a damaged settings.json, shows the default, and moves the file aside when a choice is saved', async () => {
    await writeFile(settingsFile, '{not json');
    await openKnownHosts();
    const status = writesPanel().getByRole('status');
    await expect.poll(() => status.innerText()).toContain(`${settingsFile} is damaged`);
    expect(await ownOnly().isChecked()).toBe(true);
    expect(await alsoOpenSsh().isChecked()).toBe(false);
    // Reading moved nothing.
    expect(await readFile(settingsFile, 'utf8')).toBe('{not json');

    await alsoOpenSsh().check();
    await status.getByText(savedMessage).waitFor({ timeout: WAIT_MS });
    const aside = (await readdir(portwiseHomeDir)).filter((name) => name.startsWith('settings.json.corrupt-'));
    expect(aside).toHaveLength(1);
    const movedTo = join(portwiseHomeDir, aside[0]!);
    expect(await readFile(movedTo, 'utf8')).toBe('{not json');
    // The move is named where the damage was.
    expect(await status.innerText()).toContain(movedTo);
    expect(await status.innerText()).not.toContain(`${settingsFile} is damaged`);
    expect(JSON.parse(await readFile(settingsFile, 'utf8'))).toEqual({ schema: 'portwise.settings', version: 1, settings: { knownHostsWrites: 'portwise-and-openssh' } });
    expect(await alsoOpenSsh().isChecked()).toBe(true);
  });
});
