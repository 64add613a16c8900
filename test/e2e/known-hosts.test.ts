import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
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
    await page.getByText(`Pinned ${db.fingerprint} for [db.example.com]:2222.`).waitFor({ timeout: WAIT_MS });
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
