// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import PendingQuestion from '../../../renderer/components/PendingQuestion.svelte';
import RunScreen from '../../../renderer/components/RunScreen.svelte';
import type { NodeAnswer } from '../../../shared/common/schema/answers';
import type { PendingQuestion as Pending } from '../../../shared/common/schema/report';
import { finishedWizard, realReport, renderWithWizard, useDom } from './harness';

useDom();

const pending: Pending = {
  node: 'T60',
  title: 'No access to the server: questions instead',
  why: 'Without SSH, a person can look.',
  question: 'What does `ss -tlnp` show for the port?',
  reason: 'No server evidence was collected.',
  choices: [
    { id: 'nothing', label: 'Nothing listens on the port', leadsTo: 'T14' },
    { id: 'loopback', label: 'It listens on `127.0.0.1` only', leadsTo: 'T13' },
  ],
  paste: { kind: 'listeners', hint: 'The listener table settles it.', commands: [{ os: 'linux', command: "ss -Htlnp 'sport = :5432'" }] },
  missing: [],
};

function renderQuestion(props: Partial<{ pending: Pending; busy: boolean; errors: readonly string[] }> = {}) {
  const answers: NodeAnswer[] = [];
  const result = render(PendingQuestion, { props: { pending, busy: false, errors: [], onAnswer: (a: NodeAnswer) => void answers.push(a), ...props } });
  return { answers, ...result };
}

describe('PendingQuestion', () => {
  it('is a region named by its question title, with the command to run and its Copy button', () => {
    renderQuestion();
    const region = screen.getByRole('region', { name: pending.title });
    within(region).getByText('Step T60 needs you');
    expect(within(region).getByText("ss -Htlnp 'sport = :5432'").tagName).toBe('CODE');
    within(region).getByRole('button', { name: 'Copy Linux command' });
    // Backticks are code, shown as text.
    expect(within(region).getByText('ss -tlnp').tagName).toBe('CODE');
  });

  it('each choice is a button that answers with its id', async () => {
    const { answers } = renderQuestion();
    const choices = screen.getByRole('group', { name: 'Or answer what you know' });
    expect(within(choices).getAllByRole('button').map((b) => b.textContent?.trim())).toEqual(['Nothing listens on the port', 'It listens on 127.0.0.1 only']);
    await fireEvent.click(within(choices).getByRole('button', { name: 'It listens on 127.0.0.1 only' }));
    expect(answers).toEqual([{ choice: 'loopback' }]);
  });

  it('a paste is sent as typed, and only once there is something to send', async () => {
    const { answers } = renderQuestion();
    const field = screen.getByRole('textbox', { name: 'Output pasted from the server' });
    const use = screen.getByRole('button', { name: 'Use this output' });
    expect(use).toHaveProperty('disabled', true);
    await fireEvent.input(field, { target: { value: '   ' } });
    expect(use).toHaveProperty('disabled', true);
    const output = 'LISTEN 0 244 127.0.0.1:5432 0.0.0.0:* users:(("postgres",pid=812,fd=6))\n';
    await fireEvent.input(field, { target: { value: output } });
    await fireEvent.click(use);
    expect(answers).toEqual([{ paste: output }]);
  });

  it('while the tree is walked again everything waits, and says so', () => {
    renderQuestion({ busy: true });
    expect(screen.getByRole('textbox', { name: 'Output pasted from the server' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'Nothing listens on the port' }).closest('fieldset')).toHaveProperty('disabled', true);
    screen.getByText('Walking the decision tree again…');
  });

  it('a refused answer is an alert with each sentence', () => {
    renderQuestion({ errors: ['The pasted text is not a listener table: expected the output of ss -tlnp.'] });
    within(screen.getByRole('alert')).getByText('The pasted text is not a listener table: expected the output of ss -tlnp.');
  });

  it('without a paste, the choices stand alone', () => {
    renderQuestion({ pending: { ...pending, paste: null } });
    expect(screen.queryByRole('textbox')).toBeNull();
    screen.getByRole('group', { name: 'Answer what you know' });
  });

  it('in the run screen, a choice walks the real tree again and the answered question goes', async () => {
    const report = realReport('db.example:5432', ['192.0.2.10'], 'connected');
    const { wizard, fake } = await finishedWizard(report);
    renderWithWizard(RunScreen, wizard);
    const region = screen.getByRole('region', { name: report.pending!.title });
    const choice = report.pending!.choices[0]!;
    await fireEvent.click(within(region).getByRole('button', { name: choice.label.replace(/`/g, '') }));
    await waitFor(() => expect(fake.requests('answerDiagnosis')).toHaveLength(1));
    expect(fake.requests('answerDiagnosis')[0]!.answers).toEqual({ T5: { choice: choice.id } });
    await waitFor(() => expect(screen.queryByRole('region', { name: report.pending!.title })).toBeNull());
  });
});
