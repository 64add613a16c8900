import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandlerTable } from '../../shared/node/handlers';
import { SecretStore } from '../../shared/node/store/secret-store';
import { createSafeStorageCipher } from '../../electron/main/safe-storage-cipher';
import { closedPort, waitFor } from '../integration/loopback';
import { fakeKeyring } from '../shared/fake-keyring';
import { CapabilityGate, fakeFleetServer, fleetWide, type FakeFleetServer } from '../shared/fleet-ssh-server';
import { expectNoAxeViolations, useTheme } from './harness/axe';
import { FleetFormPage, FleetRunPage } from './harness/fleet-pages';
import { screenshotDir as shots, useWizardSession, WAIT_MS } from './harness/wizard-session';

/**
 * The Fleet screen in Chromium with the real handler table and the real engine: the fleet
 * orchestration (the slots, the per-server runs, the table and the verdict) runs for real against
 * ssh2 servers in this process, each on its own loopback address (so each is its own probe
 * target), whose shells answer as Debian servers would. The capability probe can be held at a gate,
 * so the live list is seen while servers wait and run. One profile logs in with its password from
 * the app's saved secrets; nothing is ever asked.
 */

const PASSWORD = 'correct horse';
const home = mkdtempSync(join(tmpdir(), 'pw-e2e-fleet-'));
const env = { HOME: home, PORTWISE_HOME: join(home, 'portwise'), USER: 'tester', PATH: process.env.PATH ?? '/usr/bin:/bin' };
const cipher = createSafeStorageCipher(fakeKeyring(), 'linux');
const ctx = useWizardSession((sink) => createHandlerTable({ sink, appInfo: { name: 'Portwise', version: '0.0.0-e2e', platform: 'linux' }, env, secretCipher: cipher }));
const gate = new CapabilityGate();
let page: Page;
let port = 0;
let dbA: FakeFleetServer;
let dbB: FakeFleetServer;
let carol: FakeFleetServer;
let dave: FakeFleetServer;

beforeAll(async () => {
  // Nothing listens on this port on this machine: every probe from here is refused.
  port = await closedPort('127.0.0.1');
  [dbA, dbB, carol, dave] = await Promise.all([
    fakeFleetServer({ address: '127.0.0.2', behaviour: 'stopped', port: () => port, password: PASSWORD, gate }),
    fakeFleetServer({ address: '127.0.0.3', behaviour: 'refuse-login', port: () => port, gate }),
    fakeFleetServer({ address: '127.0.0.4', behaviour: 'rejecting', port: () => port, gate }),
    fakeFleetServer({ address: '127.0.0.5', behaviour: 'stopped', port: () => port, gate }),
  ]);
  // db-a's key is trusted already; the others are new to Portwise.
  mkdirSync(env.PORTWISE_HOME, { recursive: true });
  writeFileSync(join(env.PORTWISE_HOME, 'known_hosts'), `[${dbA.address}]:${dbA.sshPort} ${dbA.publicKey}\n`);
  const { table } = ctx.session;
  const saved = await Promise.all([
    table.saveProfile({ fields: { name: 'db-a', host: dbA.address, port: dbA.sshPort, user: 'alice', auth: 'password', groups: ['prod'], tags: ['eu'], serviceHint: 'postgresql' } }),
    table.saveProfile({ fields: { name: 'db-b', host: dbB.address, port: dbB.sshPort, user: 'bob', groups: ['prod'], tags: ['us'] } }),
    // Never chosen: the group filter leaves it out.
    table.saveProfile({ fields: { name: 'web', host: '127.0.0.9', user: 'deploy', groups: ['staging'] } }),
  ]);
  expect(saved.map((s) => s.ok)).toEqual([true, true, true]);
  // db-a's password is in the app's secret store, encrypted by the (test's) keyring.
  expect(await new SecretStore({ cipher, env }).set({ profileId: 'db-a', kind: 'password' }, PASSWORD)).toEqual({ ok: true });
});

beforeEach(() => {
  page = ctx.page;
});

afterEach(async () => {
  gate.open();
  await waitFor(() => fleetWide.open === 0, 10_000, 'every connection of the last test to close');
  fleetWide.max = 0;
});

afterAll(async () => {
  gate.open();
  await Promise.all([dbA, dbB, carol, dave].filter(Boolean).map((s) => s.close()));
  await rm(home, { recursive: true, force: true });
});

const knownHosts = () => readFile(join(env.PORTWISE_HOME, 'known_hosts'), 'utf8');
const savedReports = async () => (await readdir(join(env.PORTWISE_HOME, 'history')).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
const dest = (user: string, s: FakeFleetServer) => `${user}@${s.address}:${s.sshPort}`;

describe('fleet', () => {
  it('diagnoses one port on two saved profiles and a typed server, 2 at a time: live, then side by side, and one server\'s report', async () => {
    const form = new FleetFormPage(page);
    const run = new FleetRunPage(page);
    await form.open();
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Fleet', exact: true }).getAttribute('aria-current')).toBe('page');

    await form.port.fill(String(port));
    await form.profile('db-a').waitFor();
    await form.group.selectOption('prod');
    await expect.poll(() => page.getByRole('checkbox', { name: /@127\.0\.0\./ }).count()).toBe(2);
    await form.tickShown.click();
    await page.getByText('2 profiles chosen.').waitFor();
    await form.addServer(dest('carol', carol));
    await form.atOnce.fill('2');
    await form.acceptNewHostKeys.check();
    await page.screenshot({ path: join(shots, '70-fleet-form.png'), fullPage: true });
    await expectNoAxeViolations(page, 'fleet form');

    gate.close();
    await form.diagnose.click();
    await run.heading(port, 3).waitFor();
    // db-b refuses the login, which frees its slot: db-a and carol wait at the gate, logged in.
    await waitFor(() => gate.held.size === 2, WAIT_MS, 'two servers at the gate');
    expect([...gate.held.keys()].sort()).toEqual([dbA.address, carol.address]);
    expect(fleetWide.open).toBe(2);
    await expect.poll(() => run.liveLines(), { timeout: WAIT_MS }).toEqual([
      expect.stringMatching(new RegExp(`^Running db-a 127\\.0\\.0\\.2:${port} Logging in: `)),
      expect.stringMatching(new RegExp(`^Login failed db-b 127\\.0\\.0\\.3:${port} Refused from here; could not log in: `)),
      expect.stringMatching(new RegExp(`^Running ${dest('carol', carol).replace(/\./g, '\\.')} 127\\.0\\.0\\.4:${port} Logging in: `)),
    ]);
    await page.getByText(/2 at a time · 1 of 3 servers done, 2 running\./).waitFor();
    await page.screenshot({ path: join(shots, '71-fleet-running.png'), fullPage: true });
    await expectNoAxeViolations(page, 'fleet run, live');

    gate.open();
    await run.table.waitFor({ timeout: WAIT_MS });
    expect(fleetWide.max).toBe(2);
    // [server, probe from here, listening, firewall rule, cause, confidence, report]
    const rows = await run.rows();
    expect(rows.map((r) => r.slice(0, 4))).toEqual([
      [`db-a 127.0.0.2:${port}`, 'Refused', `Nothing listens on port ${port}`, 'No rule counted the probes'],
      [`db-b 127.0.0.3:${port}`, 'Refused', expect.stringMatching(/^Not read: could not log in \(/), expect.stringMatching(/^Not read: could not log in \(/)],
      [
        `${dest('carol', carol)} 127.0.0.4:${port}`,
        'Refused',
        `0.0.0.0:${port} (postgres)`,
        `REJECT tcp-reset (+3) iptables-nft filter INPUT: -A INPUT -p tcp -m tcp --dport ${port} -j REJECT --reject-with tcp-reset`,
      ],
    ]);
    // Each target is a loopback address, so this computer's own: the tree decides from its listeners
    // (none on the port), as for any local target, whatever the server says.
    expect(rows.map((r) => [r[4], r[5]])).toEqual(Array.from({ length: 3 }, () => ['Nothing is listening: the service is not running service-not-running', 'High confidence']));
    expect(rows.map((r) => r[6])).toEqual(['Open report of db-a', 'Open report of db-b', `Open report of ${dest('carol', carol)}`]);
    const verdict = (await run.verdict.innerText()).split('\n').filter(Boolean);
    expect(verdict).toEqual([
      'Verdict',
      expect.stringMatching(new RegExp(`^3 of 3 refuse: service-not-running on db-a, db-b, ${dest('carol', carol).replace(/\./g, '\\.')}\\. Could not log in to db-b \\(.+\\)\\.$`)),
      `Nothing is listening: the service is not running service-not-running: 3 servers, db-a, db-b, ${dest('carol', carol)}`,
      'Could not log in: db-b',
    ]);
    // db-a logged in with its saved password; nobody was asked anything (no dialog ever opened).
    expect(dbA.logins).toContain('alice password');
    expect(await page.getByRole('dialog').count()).toBe(0);
    // Every report is in the history; the new keys were pinned in Portwise's own file.
    expect(await savedReports()).toHaveLength(3);
    expect(await knownHosts()).toContain(`[${carol.address}]:${carol.sshPort} ${carol.publicKey}`);
    await page.screenshot({ path: join(shots, '72-fleet-results.png'), fullPage: true });
    await expectNoAxeViolations(page, 'fleet results');
    await useTheme(page, 'dark');
    await page.screenshot({ path: join(shots, '72-fleet-results-dark.png'), fullPage: true });
    await useTheme(page, 'light');

    // carol's whole report, read-only; Back returns the focus to its row's button.
    await run.openReport(dest('carol', carol)).click();
    await page.getByRole('heading', { level: 1, name: `127.0.0.4:${port}` }).waitFor();
    await page.getByText('Fleet run: diagnosis of').waitFor();
    expect(await page.getByRole('region', { name: 'Decision path' }).getByRole('listitem').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, '73-fleet-report.png'), fullPage: true });
    await expectNoAxeViolations(page, 'a fleet server\'s report');
    await page.getByRole('button', { name: 'Back to the fleet' }).click();
    await expect.poll(() => run.openReport(dest('carol', carol)).evaluate((button) => (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement === button)).toBe(true);
  });

  it('refuses a server whose key is new when "accept new host keys" is not ticked, and Cancel stops the one still running', async () => {
    const form = new FleetFormPage(page);
    const run = new FleetRunPage(page);
    await form.open();
    await form.port.fill(String(port));
    await form.search.fill('alice');
    await form.profile('db-a').check();
    await form.addServer(dest('dave', dave));
    expect(await form.acceptNewHostKeys.isChecked()).toBe(false);

    gate.close();
    await form.diagnose.press('Enter');
    await run.heading(port, 2).waitFor();
    await waitFor(() => gate.held.has(dbA.address), WAIT_MS, 'db-a at the gate');
    await expect.poll(() => run.liveLines(), { timeout: WAIT_MS }).toEqual([expect.stringMatching(/^Running db-a /), expect.stringMatching(/^Login failed /)]);
    await run.cancel.click();

    await run.table.waitFor({ timeout: WAIT_MS });
    const rows = await run.rows();
    expect(rows.map((r) => r.slice(0, 3))).toEqual([
      [`db-a 127.0.0.2:${port}`, 'Cancelled', 'Not read: cancelled'],
      [`${dest('dave', dave)} 127.0.0.5:${port}`, 'Refused', 'Not read: could not log in (host-key-unknown)'],
    ]);
    // A cancelled server has no report to open.
    expect(rows.map((r) => r[6])).toEqual(['', `Open report of ${dest('dave', dave)}`]);
    expect(await run.verdict.innerText()).toContain(`Could not log in to ${dest('dave', dave)} (host-key-unknown). Cancelled: db-a.`);
    await page.getByText('Cancelled', { exact: true }).first().waitFor();
    // The key was refused before any credential went to dave's server, and it was not written.
    expect(dave.logins).toEqual([]);
    expect(await knownHosts()).not.toContain(dave.address);
    await waitFor(() => dbA.open === 0, 5000, 'db-a to see its connection closed');
    await page.screenshot({ path: join(shots, '74-fleet-cancelled.png'), fullPage: true });

    // "New fleet run" goes back to the form, as it was sent.
    await page.getByRole('button', { name: 'New fleet run' }).click();
    await form.heading.waitFor();
    expect(await form.port.inputValue()).toBe(String(port));
    await form.added(dest('dave', dave)).waitFor();
  });
});
