// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import DecisionPath from '../../../renderer/components/DecisionPath.svelte';
import { createWizard, initialForm } from '../../../renderer/state/wizard';
import { withOverride, withoutPart } from '../../../renderer/lib/answers';
import { FakeApi, finishedWizard, realReport, renderWithWizard, useDom } from './harness';

useDom();

const stepItem = (title: string) => screen.getAllByRole('listitem').find((li) => li.querySelector('.title')?.textContent?.includes(title))!;

describe('DecisionPath', () => {
  it('offers no override while the run is still going', async () => {
    const fake = new FakeApi();
    const wizard = createWizard(fake.api);
    await wizard.start({ ...initialForm, input: 'db.example:5432' });
    const report = realReport('db.example:5432', ['192.0.2.10'], 'refused');
    fake.emit(wizard.store.getState().run!.runId, { type: 'step', step: report.path[0]! });
    renderWithWizard(DecisionPath, wizard);
    screen.getByText(report.path[0]!.title);
    expect(screen.queryByText('Choose another branch')).toBeNull();
  });

  it('overrides a step with a branch and a required reason, shows who decided and where the evidence led, and withdraws it', async () => {
    const report = realReport('db.example:5432', ['192.0.2.10'], 'refused');
    const step = report.path[1]!;
    const { fake, wizard } = await finishedWizard(report);
    renderWithWizard(DecisionPath, wizard);

    const item = stepItem(step.title);
    const summary = within(item).getByText('Choose another branch');
    expect(summary.tagName).toBe('SUMMARY');
    await fireEvent.click(summary);
    const branch = within(item).getByRole('combobox', { name: 'Branch' }) as HTMLSelectElement;
    expect([...branch.options].map((o) => o.textContent)).toEqual(step.alternatives.map((a) => a.title));
    const alternative = step.alternatives[1]!;
    await fireEvent.change(branch, { target: { value: alternative.to } });

    // No reason, no override: the message is at the field and nothing is sent.
    await fireEvent.click(within(item).getByRole('button', { name: 'Override this step' }));
    const reason = within(item).getByRole('textbox', { name: 'Reason' });
    expect(reason.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(reason);
    expect(fake.requests('answerDiagnosis')).toEqual([]);

    await fireEvent.input(reason, { target: { value: '  it fails only from the office  ' } });
    await fireEvent.click(within(item).getByRole('button', { name: 'Override this step' }));
    await waitFor(() => expect(fake.requests('answerDiagnosis')).toHaveLength(1));
    expect(fake.requests('answerDiagnosis')[0]!.answers).toEqual({ [step.node]: { override: { to: alternative.to, reason: 'it fails only from the office' } } });

    await waitFor(() => within(stepItem(step.title)).getByText('overridden by a person'));
    const overridden = stepItem(step.title);
    within(overridden).getByText('it fails only from the office');
    // Where the evidence led, in words: the step's own title for that branch.
    const automatic = wizard.store.getState().run!.report!.path[1]!.automatic!;
    expect(automatic).toBe(step.next);
    const automaticTitle = wizard.store.getState().run!.report!.path[1]!.alternatives.find((a) => a.to === automatic)!.title;
    within(overridden).getByText(automaticTitle, { selector: 'dd' });

    await fireEvent.click(within(overridden).getByRole('button', { name: `Withdraw the override at step ${step.node}` }));
    await waitFor(() => expect(within(stepItem(step.title)).queryByText('overridden by a person')).toBeNull());
    expect(fake.requests('answerDiagnosis')[1]!.answers).toEqual({});
  });

  it("shows main's refusal beside the control that sent it", async () => {
    const report = realReport('db.example:5432', ['192.0.2.10'], 'refused');
    const fake = new FakeApi();
    fake.handlers.answerDiagnosis = async () => ({ ok: false, errors: ['T1: cannot override to "x"'] });
    const { wizard } = await finishedWizard(report, fake);
    renderWithWizard(DecisionPath, wizard);
    const item = stepItem(report.path[1]!.title);
    await fireEvent.click(within(item).getByText('Choose another branch'));
    await fireEvent.input(within(item).getByRole('textbox', { name: 'Reason' }), { target: { value: 'because' } });
    await fireEvent.click(within(item).getByRole('button', { name: 'Override this step' }));
    const alert = await within(item).findByRole('alert');
    expect(alert.textContent).toContain('T1: cannot override to "x"');
    // The other steps stay quiet.
    expect(screen.getAllByRole('alert')).toHaveLength(1);
  });

  it('a step answered by a person shows its badge and can be withdrawn', async () => {
    const report = realReport('db.example:5432', ['192.0.2.10'], 'connected');
    const { wizard, fake } = await finishedWizard(report);
    await wizard.answer('T5', { choice: report.pending!.choices[0]!.id });
    renderWithWizard(DecisionPath, wizard);
    const item = stepItem(report.pending!.title);
    within(item).getByText('answered by a person');
    await fireEvent.click(within(item).getByRole('button', { name: 'Withdraw the answer at step T5' }));
    await waitFor(() => expect(fake.requests('answerDiagnosis')).toHaveLength(2));
    expect(fake.requests('answerDiagnosis')[1]!.answers).toEqual({});
  });
});

describe('answer parts', () => {
  it('an override keeps the paste of the same step; withdrawing it leaves the paste', () => {
    const pasted = { paste: 'LISTEN 0 128 127.0.0.1:5432 0.0.0.0:*' };
    const both = withOverride(pasted, { to: 'T13', reason: ' why ' });
    expect(both).toEqual({ paste: pasted.paste, override: { to: 'T13', reason: 'why' } });
    expect(withoutPart(both, 'override')).toEqual(pasted);
    expect(withoutPart({ choice: 'x' }, 'choice')).toBeNull();
    expect(withoutPart(undefined, 'choice')).toBeNull();
  });
});
