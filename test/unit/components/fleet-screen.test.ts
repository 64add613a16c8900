// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import FleetScreen from '../../../renderer/components/FleetScreen.svelte';
import type { CallRequest, FleetOutcome } from '../../../shared/common/ipc';
import { fleetRows, fleetVerdict } from '../../../shared/common/report/fleet';
import type { FleetServerResult } from '../../../shared/common/schema/fleet';
import { Profile } from '../../../shared/common/schema/profile';
import type { Report } from '../../../shared/common/schema/report';
import { createWizard } from '../../../renderer/state/wizard';
import { FakeApi, realReport, renderWithWizard, useDom } from './harness';

/**
 * The Fleet screen on a fake `window.portwise`: the form (its checks and where the focus goes, the
 * profile picker's group and tag filters, typed servers added and removed), the live list of a run
 * fed by main's events, then the table side by side, the verdict by cause, and one server's report.
 */

useDom();

const at = { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
const profiles = [
  Profile.parse({ id: 'db-1', name: 'db-1', host: '127.0.0.2', user: 'admin', groups: ['prod'], tags: ['eu'], ...at }),
  Profile.parse({ id: 'db-2', name: 'db-2', host: '127.0.0.3', user: 'admin', groups: ['prod'], tags: ['us'], ...at }),
  Profile.parse({ id: 'web', name: 'web', host: '127.0.0.4', user: 'deploy', groups: ['staging'], tags: ['eu'], ...at }),
];
const refused = realReport('127.0.0.2:5432', ['127.0.0.2'], 'refused');
const connected = realReport('127.0.0.4:5432', ['127.0.0.4'], 'connected');

async function renderFleet(fake = new FakeApi()) {
  fake.handlers.listProfiles = async () => ({ ok: true, profiles, notices: [] });
  renderWithWizard(FleetScreen, createWizard(fake.api), fake.api);
  await screen.findByRole('checkbox', { name: /^db-1/ });
  return fake;
}

const field = (name: string | RegExp) => screen.getByLabelText(name, { exact: true });
const shownProfiles = () => screen.queryAllByRole('checkbox', { name: /@127\.0\.0\./ }).map((box) => box.id.replace('fleet-profile-', ''));

describe('the fleet form', () => {
  it('says what is missing at each field and puts the focus on the first; nothing is sent', async () => {
    const fake = await renderFleet();
    expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1, name: 'Fleet' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Diagnose' }));
    await screen.findByText('Give the port to diagnose, a whole number from 1 to 65535.');
    screen.getByText('Choose at least one saved profile or add a destination.');
    expect(field('Port').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(field('Port'));
    await fireEvent.input(field('Port'), { target: { value: '5432' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Diagnose' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('region', { name: /^Servers/ })));
    expect(fake.requests('startFleet')).toEqual([]);
  });

  it('filters the profiles by group and tag, ticks all those shown, adds and removes typed servers, and sends them in order', async () => {
    const fake = await renderFleet();
    expect(shownProfiles()).toEqual(['db-1', 'db-2', 'web']);
    await fireEvent.change(field('Group'), { target: { value: 'prod' } });
    expect(shownProfiles()).toEqual(['db-1', 'db-2']);
    await fireEvent.change(field('Tag'), { target: { value: 'eu' } });
    expect(shownProfiles()).toEqual(['db-1']);
    await fireEvent.change(field('Tag'), { target: { value: '' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Tick all shown' }));
    expect(screen.getByText('2 profiles chosen.')).toBeTruthy();
    // Ticked profiles stay ticked when the filter hides them.
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'deploy' } });
    expect(shownProfiles()).toEqual([]);
    expect(screen.getByText('No saved profile matches this filter.')).toBeTruthy();
    await fireEvent.change(field('Group'), { target: { value: '' } });
    expect(shownProfiles()).toEqual(['web']);
    screen.getByText('2 profiles chosen (2 hidden by the filter).');
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: '' } });

    const add = field('Server to add');
    await fireEvent.input(add, { target: { value: 'bad user@host' } });
    await fireEvent.keyDown(add, { key: 'Enter' });
    await screen.findByText('"bad user" is not a valid user name.');
    expect(add.getAttribute('aria-invalid')).toBe('true');
    for (const typed of ['carol@127.0.0.5:2222', 'dave@127.0.0.6']) {
      await fireEvent.input(add, { target: { value: typed } });
      await fireEvent.keyDown(add, { key: 'Enter' });
    }
    // The same server written another way (port 22 said) is still the same server.
    await fireEvent.input(add, { target: { value: 'dave@127.0.0.6:22' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add server' }));
    await screen.findByText('dave@127.0.0.6 is in the list already: each server once.');
    const added = screen.getByRole('list', { name: 'Servers added' });
    expect(within(added).getAllByRole('listitem').map((li) => li.querySelector('code')?.textContent)).toEqual(['carol@127.0.0.5:2222', 'dave@127.0.0.6']);
    await fireEvent.click(within(added).getByRole('button', { name: 'Remove carol@127.0.0.5:2222' }));
    await waitFor(() => expect(document.activeElement).toBe(within(added).getByRole('button', { name: 'Remove dave@127.0.0.6' })));

    await fireEvent.input(field('Port'), { target: { value: '5432' } });
    await fireEvent.input(field('At once'), { target: { value: '2' } });
    // A deadline out of the contract's bounds is named at its field, which takes the focus.
    await fireEvent.input(field('Connect deadline (ms)'), { target: { value: '50' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Diagnose 3 servers' }));
    await screen.findByText('Use a whole number of milliseconds from 100 to 60000.');
    await waitFor(() => expect(document.activeElement).toBe(field('Connect deadline (ms)')));
    expect(fake.requests('startFleet')).toEqual([]);
    await fireEvent.input(field('Connect deadline (ms)'), { target: { value: '1500' } });
    await fireEvent.input(field('Probe rounds'), { target: { value: '1' } });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Accept new host keys' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Diagnose 3 servers' }));
    await waitFor(() => expect(fake.requests('startFleet')).toHaveLength(1));
    expect(fake.requests('startFleet')[0]).toEqual<CallRequest<'startFleet'>>({
      port: 5432,
      servers: [
        { kind: 'profile', id: 'db-1' },
        { kind: 'profile', id: 'db-2' },
        { kind: 'ssh', destination: 'dave@127.0.0.6' },
      ],
      concurrency: 2,
      rounds: 1,
      timeoutMs: 1500,
      sudo: false,
      acceptNewHostKeys: true,
    });
    // The fake refuses it, as main would name a problem: the sentence is shown where the person is.
    await screen.findByRole('alert');
    expect(screen.getByRole('alert').textContent).toBe('No fleet run was scripted.');
  });
});

describe('a fleet run', () => {
  const infos = [
    { label: 'db-1', destination: 'admin@127.0.0.2', profile: 'db-1', target: '127.0.0.2:5432' },
    { label: 'db-2', destination: 'admin@127.0.0.3', profile: 'db-2', target: '127.0.0.3:5432' },
    { label: 'web', destination: 'deploy@127.0.0.4', profile: 'web', target: '127.0.0.4:5432' },
  ];
  const result = (i: number, report: Report | null, failure: FleetServerResult['failure'] = null): FleetServerResult => ({ server: infos[i]!.label, destination: infos[i]!.destination, profile: infos[i]!.label, target: infos[i]!.target, report, failure });
  const servers = [result(0, refused), result(1, refused, { kind: 'login-failed', sshKind: 'auth-failed', message: 'the server refused every key', hop: 1 }), result(2, connected)];
  const outcome: FleetOutcome = { port: 5432, servers, rows: fleetRows(servers), verdict: fleetVerdict(servers), cancelled: false };

  it('lists every server live, then the table side by side and the verdict; a report opens over it and Back returns the focus', async () => {
    const fake = new FakeApi();
    fake.handlers.startFleet = async () => ({ ok: true, fleetId: 'fleet-1', port: 5432, concurrency: 2, servers: infos });
    fake.handlers.cancelFleet = async () => ({ cancelled: true });
    await renderFleet(fake);
    await fireEvent.click(screen.getByRole('checkbox', { name: /^db-1/ }));
    await fireEvent.click(screen.getByRole('checkbox', { name: /^db-2/ }));
    await fireEvent.click(screen.getByRole('checkbox', { name: /^web/ }));
    await fireEvent.input(field('Port'), { target: { value: '5432' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Diagnose 3 servers' }));

    const heading = await screen.findByRole('heading', { level: 1, name: 'Port 5432 on 3 servers' });
    expect(document.activeElement).toBe(heading);
    const live = () => within(screen.getByRole('region', { name: 'Servers' })).getAllByRole('listitem').map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    expect(live()).toEqual(['Waiting db-1 127.0.0.2:5432 Waits for a free slot.', 'Waiting db-2 127.0.0.3:5432 Waits for a free slot.', 'Waiting web 127.0.0.4:5432 Waits for a free slot.']);
    fake.emitFleet('fleet-1', { type: 'server-started', index: 0 });
    fake.emitFleet('fleet-1', { type: 'server-activity', index: 0, activity: { id: 'hop-1', stage: 'login', label: 'Logging in to admin@127.0.0.2', command: null, state: 'running', at: '2026-11-24T10:00:00.000Z', ms: null } });
    fake.emitFleet('fleet-1', { type: 'server-started', index: 1 });
    fake.emitFleet('fleet-1', { type: 'server-done', index: 1, done: 1, result: servers[1]!, historyId: '20261124T100000000Z-0000000b' });
    fake.emitFleet('fleet-1', { type: 'notice', index: 0, message: 'The saved password for "db-1" cannot be read.' });
    await waitFor(() => expect(live()[0]).toBe('Running db-1 127.0.0.2:5432 Logging in: Logging in to admin@127.0.0.2'));
    expect(live()[1]).toBe('Login failed db-2 127.0.0.3:5432 Refused from here; could not log in: the server refused every key');
    screen.getByText('db-1: The saved password for "db-1" cannot be read.');
    screen.getByText('2 at a time · 1 of 3 servers done, 1 running.');

    // Cancel is asked once, and says so until main ends the run.
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(fake.requests('cancelFleet')).toEqual([{ fleetId: 'fleet-1' }]);
    expect((screen.getByRole('button', { name: 'Cancelling…' }) as HTMLButtonElement).disabled).toBe(true);

    fake.emitFleet('fleet-1', { type: 'finished', outcome });
    const table = await screen.findByRole('table', { name: /^Each server/ });
    const rows = within(table).getAllByRole('row').slice(1).map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent?.replace(/\s+/g, ' ').trim()));
    expect(rows).toEqual([
      ['db-1 127.0.0.2:5432', 'Refused', 'Not read', 'Not read', 'Nothing is listening: the service is not running service-not-running', 'Medium confidence', 'Open report of db-1'],
      ['db-2 127.0.0.3:5432', 'Refused', 'Not read: could not log in (auth-failed)', 'Not read: could not log in (auth-failed)', 'Nothing is listening: the service is not running service-not-running', 'Medium confidence', 'Open report of db-2'],
      ['web 127.0.0.4:5432', 'Connected', 'Not asked: it connects', 'Not asked: it connects', 'The connection works from here now not-reproduced', 'High confidence', 'Open report of web'],
    ]);
    const verdict = screen.getByRole('region', { name: 'Verdict' });
    expect(within(verdict).getByText(outcome.verdict.text)).toBeTruthy();
    expect(outcome.verdict.text).toBe('2 of 3 refuse: service-not-running on db-1, db-2. Could not log in to db-2 (auth-failed).');
    expect(within(screen.getByRole('list', { name: 'Failing servers by cause' })).getByRole('listitem').textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Nothing is listening: the service is not running service-not-running: 2 servers, db-1, db-2',
    );
    screen.getByText('Finished');

    const open = screen.getByRole('button', { name: 'Open report of web' });
    await fireEvent.click(open);
    await screen.findByRole('heading', { level: 1, name: '127.0.0.4:5432' });
    screen.getByText('Fleet run: diagnosis of');
    expect(screen.getByRole('heading', { level: 2, name: 'The connection works from here now' })).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Back to the fleet' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Open report of web' })));
    expect(screen.queryByRole('heading', { level: 1, name: '127.0.0.4:5432' })).toBeNull();

    // A new run starts from the form as it was sent.
    await fireEvent.click(screen.getByRole('button', { name: 'New fleet run' }));
    await screen.findByRole('heading', { level: 1, name: 'Fleet' });
    expect((field('Port') as HTMLInputElement).value).toBe('5432');
    screen.getByText('3 profiles chosen.');
  });
});
