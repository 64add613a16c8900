// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { fireEvent, screen, within } from '@testing-library/svelte';
import TargetForm from '../../../renderer/components/TargetForm.svelte';
import { createWizard } from '../../../renderer/state/wizard';
import { Access } from '../../../shared/common/ipc';
import { serverCommandPlan } from '../../../shared/common/remote/commands';
import { MAX_JUMPS, refusalField, validateForm } from '../../../renderer/lib/target-form';
import { FakeApi, renderWithWizard, useDom } from './harness';

useDom();

function renderForm(fake = new FakeApi()) {
  const wizard = createWizard(fake.api);
  renderWithWizard(TargetForm, wizard);
  return { fake, wizard };
}

const type = (element: HTMLElement, value: string) => fireEvent.input(element, { target: { value } });
const target = () => screen.getByRole('textbox', { name: 'Target' });
const sshRadio = () => screen.getByRole('radio', { name: 'SSH' });
const destination = () => screen.getByRole('textbox', { name: 'SSH destination' });
const diagnose = () => screen.getByRole('button', { name: 'Diagnose' });

/** The texts that describe a field (its hint and message), as assistive technology reads them. */
function description(element: HTMLElement): string {
  return (element.getAttribute('aria-describedby') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent?.trim() ?? '')
    .join(' ');
}

describe('TargetForm', () => {
  it('has every control labelled, no access chosen, the target focused, and rounds and timeout once each', () => {
    renderForm();
    expect(document.activeElement).toBe(target());
    screen.getByRole('textbox', { name: 'Service' });
    const symptoms = screen.getByRole('group', { name: 'What did the application report?' });
    expect(within(symptoms).getAllByRole('radio').map((r) => r.parentElement?.textContent?.trim())).toEqual([
      'Not sure',
      'Connection refused',
      'Timed out',
      'Connection reset',
      'No route to host',
    ]);
    expect(within(symptoms).getByRole('radio', { name: 'Not sure' })).toHaveProperty('checked', true);
    const access = screen.getByRole('group', { name: 'How to reach the server' });
    expect(within(access).getByRole('radio', { name: 'No access (I will answer questions and paste command output)' })).toHaveProperty('checked', true);
    expect(screen.queryByRole('textbox', { name: 'SSH destination' })).toBeNull();
    expect(screen.queryByText('Portwise will run these read-only commands on the server')).toBeNull();
    expect(screen.getAllByRole('spinbutton', { name: 'Rounds' })).toHaveLength(1);
    expect(screen.getAllByRole('spinbutton', { name: 'Timeout (ms)' })).toHaveLength(1);
  });

  it('SSH shows the destination, jump hosts, sudo and the preview of the exact server commands for the target port', async () => {
    renderForm();
    await type(target(), 'db.example.com:6543');
    await fireEvent.click(sshRadio());
    destination();
    screen.getByRole('group', { name: 'Jump hosts' });
    screen.getByRole('button', { name: 'Add a jump host' });
    expect(screen.getByRole('checkbox', { name: 'Use sudo -n for root-only reads' })).toHaveProperty('checked', false);

    const summary = screen.getByText('Portwise will run these read-only commands on the server');
    expect(summary.tagName).toBe('SUMMARY');
    const preview = summary.closest('details')!;
    expect(preview.open).toBe(false);
    const shown = [...preview.querySelectorAll('pre code')].map((c) => c.textContent);
    expect(shown).toEqual(serverCommandPlan({ port: 6543, addresses: [], service: null }).map((p) => p.commands.join('\n')));
    expect(shown.join('\n')).toContain("'sport = :6543'");

    await type(screen.getByRole('textbox', { name: 'Service' }), 'postgresql');
    expect(preview.textContent).toContain('journalctl -u postgresql');

    // No valid target, no port: the preview says what it needs instead of guessing.
    await type(target(), 'db.example.com');
    expect(preview.querySelectorAll('pre')).toHaveLength(0);
    expect(preview.textContent).toContain('Enter a valid target above');

    await fireEvent.click(screen.getByRole('radio', { name: /^No access/ }));
    expect(screen.queryByRole('textbox', { name: 'SSH destination' })).toBeNull();
  });

  it('adds and removes jump hosts in order, keeps what was typed, and moves the focus sensibly', async () => {
    renderForm();
    await fireEvent.click(sshRadio());
    const add = screen.getByRole('button', { name: 'Add a jump host' });
    await fireEvent.click(add);
    const first = screen.getByRole('textbox', { name: 'Jump host 1' });
    expect(document.activeElement).toBe(first);
    await type(first, 'me@bastion1');
    await fireEvent.click(add);
    await type(screen.getByRole('textbox', { name: 'Jump host 2' }), 'me@bastion2:2222');

    await fireEvent.click(screen.getByRole('button', { name: 'Remove jump host 1' }));
    const remaining = screen.getByRole('textbox', { name: 'Jump host 1' });
    expect((remaining as HTMLInputElement).value).toBe('me@bastion2:2222');
    expect(screen.queryByRole('textbox', { name: 'Jump host 2' })).toBeNull();
    expect(document.activeElement).toBe(remaining);

    await fireEvent.click(screen.getByRole('button', { name: 'Remove jump host 1' }));
    expect(document.activeElement).toBe(add);

    for (let i = 0; i < MAX_JUMPS; i++) await fireEvent.click(add);
    expect(screen.getAllByRole('textbox', { name: /^Jump host \d+$/ })).toHaveLength(MAX_JUMPS);
    expect(add).toHaveProperty('disabled', true);
  });

  it('validates the SSH fields inline on submit: message at the field, focus there, nothing started', async () => {
    const { fake } = renderForm();
    await type(target(), 'db.example.com:5432');
    await fireEvent.click(sshRadio());
    await fireEvent.click(diagnose());
    expect(fake.requests('startDiagnosis')).toEqual([]);
    expect(destination().getAttribute('aria-invalid')).toBe('true');
    expect(description(destination())).toContain('Give the server as user@host or user@host:port.');
    expect(document.activeElement).toBe(destination());

    await type(destination(), 'alice@db.example.com');
    expect(destination().getAttribute('aria-invalid')).toBe('false');
    await fireEvent.click(screen.getByRole('button', { name: 'Add a jump host' }));
    const jump = screen.getByRole('textbox', { name: 'Jump host 1' });
    await type(jump, 'bad user@bastion');
    await fireEvent.click(diagnose());
    expect(fake.requests('startDiagnosis')).toEqual([]);
    expect(jump.getAttribute('aria-invalid')).toBe('true');
    expect(description(jump)).toContain('"bad user" is not a valid user name.');
    expect(document.activeElement).toBe(jump);
  });

  it('the target is checked first, with the parser sentence, like before', async () => {
    const { fake } = renderForm();
    await type(target(), 'host:notaport');
    await fireEvent.click(diagnose());
    expect(fake.requests('startDiagnosis')).toEqual([]);
    expect(target().getAttribute('aria-invalid')).toBe('true');
    expect(description(target())).toMatch(/port/i);
    expect(document.activeElement).toBe(target());
  });

  it('sends every value the form holds', async () => {
    const { fake } = renderForm();
    await type(target(), 'db.example.com:5432');
    await type(screen.getByRole('textbox', { name: 'Service' }), ' postgresql ');
    await fireEvent.click(screen.getByRole('radio', { name: 'Connection reset' }));
    await fireEvent.click(sshRadio());
    await type(destination(), ' alice@db.example.com:2222 ');
    await fireEvent.click(screen.getByRole('button', { name: 'Add a jump host' }));
    await type(screen.getByRole('textbox', { name: 'Jump host 1' }), 'me@bastion');
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Use sudo -n for root-only reads' }));
    await fireEvent.click(diagnose());
    expect(fake.requests('startDiagnosis')).toEqual([
      {
        target: 'db.example.com:5432',
        rounds: 3,
        timeoutMs: 3000,
        service: 'postgresql',
        symptom: 'reset',
        access: { kind: 'ssh', destination: 'alice@db.example.com:2222', jumps: ['me@bastion'], sudo: true },
      },
    ]);
  });

  it.each([
    ['bad-ssh-destination', 'Bad server "db": scripted refusal.', () => destination()],
    ['bad-jump-host', 'Jump host: scripted refusal of "me@bastion".', () => screen.getByRole('textbox', { name: 'Jump host 1' })],
    ['bad-hostname', 'Main refused this target.', () => target()],
  ])("main's refusal %s is shown at its field until that field is edited", async (code, message, field) => {
    const fake = new FakeApi();
    fake.handlers.startDiagnosis = async () => ({ ok: false, error: { code, message } });
    renderForm(fake);
    await type(target(), 'db.example.com:5432');
    await fireEvent.click(sshRadio());
    await type(destination(), 'alice@db.example.com');
    await fireEvent.click(screen.getByRole('button', { name: 'Add a jump host' }));
    await type(screen.getByRole('textbox', { name: 'Jump host 1' }), 'me@bastion');
    await fireEvent.click(diagnose());
    await screen.findByText(message);
    expect(field().getAttribute('aria-invalid')).toBe('true');
    expect(description(field())).toContain(message);
    expect(document.activeElement).toBe(field());
    // Only that field carries it.
    expect(screen.getAllByText(message)).toHaveLength(1);

    await type(field(), `${(field() as HTMLInputElement).value}x`);
    expect(screen.queryByText(message)).toBeNull();
  });

  it('"New diagnosis" starts from the last values, SSH included', async () => {
    const fake = new FakeApi();
    const wizard = createWizard(fake.api);
    await wizard.start({
      input: 'db.example.com:5432',
      rounds: 3,
      timeoutMs: 3000,
      service: 'redis',
      symptom: 'timeout',
      access: { kind: 'ssh', destination: 'alice@db', jumps: ['me@j1', 'me@j2'], sudo: true },
    });
    wizard.startOver();
    renderWithWizard(TargetForm, wizard);
    expect((screen.getByRole('textbox', { name: 'Service' }) as HTMLInputElement).value).toBe('redis');
    expect(screen.getByRole('radio', { name: 'Timed out' })).toHaveProperty('checked', true);
    expect(sshRadio()).toHaveProperty('checked', true);
    expect((destination() as HTMLInputElement).value).toBe('alice@db');
    expect(screen.getAllByRole('textbox', { name: /^Jump host/ }).map((j) => (j as HTMLInputElement).value)).toEqual(['me@j1', 'me@j2']);
    expect(screen.getByRole('checkbox', { name: 'Use sudo -n for root-only reads' })).toHaveProperty('checked', true);
  });
});

describe('the form rules', () => {
  it("MAX_JUMPS is the contract's bound", () => {
    const ssh = (n: number) => Access.safeParse({ kind: 'ssh', destination: 'a@b', jumps: Array.from({ length: n }, () => 'a@j'), sudo: false }).success;
    expect(ssh(MAX_JUMPS)).toBe(true);
    expect(ssh(MAX_JUMPS + 1)).toBe(false);
  });

  it('checks SSH texts only when SSH is chosen, and a blank jump row asks to be filled or removed', () => {
    const draft = { input: 'db:5432', service: '', access: 'none' as const, destination: '', jumps: [''], rounds: 3, timeoutMs: 3000 };
    expect(validateForm(draft)).toMatchObject({ destination: null, jumps: [null] });
    expect(validateForm({ ...draft, access: 'ssh' })).toMatchObject({
      destination: 'Give the server as user@host or user@host:port.',
      jumps: ['Give the jump host as user@host or user@host:port, or remove it.'],
    });
    expect(validateForm({ ...draft, service: 'bad\u0007name' }).service).toMatch(/no control characters/);
  });

  it('places a jump refusal at the row main named, or the first row the parser refuses', () => {
    expect(refusalField('bad-jump-host', 'Jump host: x', ['a@ok', 'bad user@x'])).toEqual({ name: 'jump', index: 1 });
    expect(refusalField('bad-jump-host', 'Jump host: "b@two" refused', ['a@one', 'b@two'])).toEqual({ name: 'jump', index: 1 });
    expect(refusalField('bad-jump-host', 'Jump host: ?', ['a@one'])).toEqual({ name: 'jump', index: 0 });
    expect(refusalField('bad-ssh-destination', '', [])).toEqual({ name: 'destination' });
    expect(refusalField('bad-port', '', [])).toEqual({ name: 'target' });
  });
});
