import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandlerTable } from '../../shared/node/handlers';
import { closedPort } from '../integration/loopback';
import { expectNoAxeViolations, useTheme } from './harness/axe';
import { TargetFormPage } from './harness/wizard-pages';
import { screenshotDir as shots, useWizardSession, WAIT_MS } from './harness/wizard-session';

/**
 * Profiles in Chromium with the real handler table and the real store on a private HOME: create,
 * validate, search, refuse a removal, then diagnose with a saved chain (whose jump host's SSH port is
 * closed on loopback, so the login fails at hop 1 of 2, as the verdict says).
 */

// A private HOME for the engine: its ~/.ssh and Portwise's folder are the test's own.
const home = mkdtempSync(join(tmpdir(), 'pw-e2e-profiles-'));
const ctx = useWizardSession((sink) => createHandlerTable({ sink, appInfo: { name: 'Portwise', version: '0.0.0-e2e', platform: 'linux' }, env: { HOME: home, PORTWISE_HOME: join(home, 'portwise'), USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' } }));
let page: Page;

beforeEach(() => {
  page = ctx.page;
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const form = () => page.getByRole('region', { name: /^(New profile|Edit )/ });
const card = (name: string) => page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name, exact: true }) });

async function fill(fields: Record<string, string>) {
  for (const [label, value] of Object.entries(fields)) await form().getByLabel(label, { exact: true }).fill(value);
}

describe('profiles', () => {
  it('creates profiles with the schema checks at each field, searches, refuses removing a jump in use, and diagnoses with a chain', async () => {
    const sshPort = await closedPort('127.0.0.1');
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Profiles' }).click();
    await page.getByRole('heading', { level: 1, name: 'Profiles' }).waitFor();
    await page.getByText('No profile yet.', { exact: false }).waitFor({ timeout: WAIT_MS });

    // Nothing filled: the same schema as main says what is missing, at each field.
    await page.getByRole('button', { name: 'New profile' }).click();
    await form().getByRole('button', { name: 'Save profile' }).click();
    await form().getByText('A profile needs a name.').waitFor();
    expect(await form().getByLabel('Host', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).toBe('profile-name');
    await page.screenshot({ path: join(shots, '40-profile-form-errors.png'), fullPage: true });

    await fill({ Name: 'Bastion', Host: '127.0.0.1', Port: String(sshPort), User: 'ops' });
    await form().getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Saved "Bastion".').waitFor({ timeout: WAIT_MS });
    await card('Bastion').waitFor();

    await page.getByRole('button', { name: 'New profile' }).click();
    await fill({ Name: 'DB', Host: '127.0.0.1', User: 'root', Groups: 'lab, eu', Tags: 'db', 'Usual service': 'postgresql' });
    await form().getByLabel('Jump host to add').selectOption({ label: `Bastion (ops@127.0.0.1:${sshPort})` });
    await form().getByRole('button', { name: 'Add jump host' }).click();
    await form().getByText('1. Bastion').waitFor();
    await form().getByLabel('Login').selectOption('key');
    await form().getByRole('button', { name: 'Save profile' }).click();
    await form().getByText('Key authentication needs the path of the key file.').waitFor();
    await form().getByLabel('Login').selectOption('agent');
    await form().getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Saved "DB".').waitFor({ timeout: WAIT_MS });
    expect(await card('DB').innerText()).toMatch(/Through Bastion · SSH agent · no sudo · postgresql/);
    const saved = JSON.parse(await readFile(join(home, 'portwise', 'profiles.json'), 'utf8')) as { profiles: { id: string; jumps: string[] }[] };
    expect(saved.profiles.map((p) => [p.id, p.jumps])).toEqual([
      ['bastion', []],
      ['db', ['bastion']],
    ]);
    await page.screenshot({ path: join(shots, '41-profiles.png'), fullPage: true });
    await expectNoAxeViolations(page, 'profiles list');
    await useTheme(page, 'dark');
    await page.screenshot({ path: join(shots, '41-profiles-dark.png'), fullPage: true });
    await useTheme(page, 'light');

    await page.getByRole('searchbox', { name: 'Search profiles' }).fill('eu');
    await expect.poll(() => page.getByRole('heading', { level: 3 }).allInnerTexts()).toEqual(['DB']);
    await page.getByRole('searchbox', { name: 'Search profiles' }).fill('');

    await card('Bastion').getByRole('button', { name: 'Remove… Bastion' }).click();
    await card('Bastion').getByRole('button', { name: 'Remove Bastion' }).click();
    await page.getByText('"Bastion" is not removed: "DB" jumps through it. Change its jump hosts first.').waitFor({ timeout: WAIT_MS });
    await card('Bastion').waitFor();

    // Diagnose with DB: the form opens with the profile chosen, and the run logs in through Bastion.
    await card('DB').getByRole('button', { name: 'Diagnose with it DB' }).click();
    const target = new TargetFormPage(page);
    await target.waitUntilShown();
    expect(await page.getByRole('radio', { name: 'Saved profile' }).isChecked()).toBe(true);
    expect(await page.getByLabel('Profile', { exact: true }).inputValue()).toBe('db');
    await page.getByText('Through Bastion; login by agent; no sudo; usual service postgresql.').waitFor();
    const refused = await closedPort('127.0.0.1');
    await target.submitWithKeyboard(`127.0.0.1:${refused}`);
    await page.locator('#verdict-title').waitFor({ timeout: WAIT_MS });
    const start = ctx.session.bridge.calls.filter((c) => c.name === 'startDiagnosis').at(-1)?.request as { access: unknown };
    expect(start.access).toEqual({ kind: 'profile', id: 'db' });
    const notice = page.getByRole('group', { name: /could not log in/ });
    await notice.waitFor({ timeout: WAIT_MS });
    expect(await notice.innerText()).toMatch(new RegExp(`127\\.0\\.0\\.1:${sshPort}: failed`));
    await page.screenshot({ path: join(shots, '42-diagnose-with-profile.png'), fullPage: true });
  });

  it('imports an ssh_config: a preview first (two-hop ProxyJump, an unsupported directive named), then three linked profiles', async () => {
    await mkdir(join(home, '.ssh'), { recursive: true });
    await writeFile(
      join(home, '.ssh', 'config'),
      ['Host edge1', '  HostName 198.18.4.2', '  User ops', 'Host edge2', '  HostName 198.18.5.2', '  User ops', '  LocalForward 5433 localhost:5432', 'Host appdb', '  HostName 198.18.6.2', '  User postgres', '  ProxyJump edge1,edge2', ''].join('\n'),
    );
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Profiles' }).click();
    await page.getByRole('button', { name: 'Import from ssh_config' }).click();
    const section = page.getByRole('region', { name: 'Import from ssh_config' });
    await section.getByRole('button', { name: 'Preview' }).click();
    const preview = section.getByRole('region', { name: 'Import preview' });
    await expect.poll(() => preview.innerText(), { timeout: WAIT_MS }).toContain('3 to create');
    expect(await preview.innerText()).toMatch(/appdb[\s\S]*edge1 → edge2/);
    expect(await preview.innerText()).toContain('LocalForward');
    // Nothing saved by a preview.
    expect((JSON.parse(await readFile(join(home, 'portwise', 'profiles.json'), 'utf8')) as { profiles: unknown[] }).profiles).toHaveLength(2);
    await page.screenshot({ path: join(shots, '43-import-preview.png'), fullPage: true });

    await section.getByRole('button', { name: 'Save 3 profile(s)' }).click();
    await section.getByText('Saved: 3 created, 0 updated, 0 left as they were.').waitFor({ timeout: WAIT_MS });
    expect(await card('appdb').innerText()).toMatch(/Through edge1 → edge2/);
    const saved = JSON.parse(await readFile(join(home, 'portwise', 'profiles.json'), 'utf8')) as { profiles: { id: string; jumps: string[] }[] };
    expect(saved.profiles.find((p) => p.id === 'appdb')?.jumps).toEqual(['edge1', 'edge2']);
  });
});
