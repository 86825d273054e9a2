import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import RuleForm from './RuleForm.svelte';
import { display } from '../../format/display.svelte';

afterEach(() => {
  cleanup();
  display.units = 'metric';
});

describe('the rule form', () => {
  it('shows each error next to its field and sends nothing', async () => {
    const onSave = vi.fn(async () => {});
    render(RuleForm, { onSave, onCancel: () => {} });
    await fireEvent.input(screen.getByLabelText('Interval (km)'), { target: { value: '0' } });
    await fireEvent.click(screen.getByTestId('rule-save'));
    expect(screen.getByText('Give it a task.')).toBeTruthy();
    expect(screen.getByText('The interval must be more than zero.')).toBeTruthy();
    expect(screen.getByLabelText('Task').getAttribute('aria-invalid')).toBe('true');
    expect(onSave).not.toHaveBeenCalled();
  });

  it('sends the interval in metres, typed in miles by an imperial rider, and previews the words', async () => {
    display.units = 'imperial';
    const onSave = vi.fn(async () => {});
    render(RuleForm, { onSave, onCancel: () => {} });
    await fireEvent.input(screen.getByLabelText('Task'), { target: { value: 'Replace tyre' } });
    await fireEvent.input(screen.getByLabelText('Interval (mi)'), { target: { value: '2,000' } });
    expect(screen.getByTestId('rule-preview').textContent).toContain('every 2,000 mi');
    await fireEvent.click(screen.getByTestId('rule-save'));
    expect(onSave).toHaveBeenCalledOnce();
    const [values] = onSave.mock.calls[0] as unknown as [{ interval: number; task: string; warn_fraction: number }];
    expect(values.task).toBe('Replace tyre');
    expect(values.interval).toBeCloseTo(3_218_688);
    expect(values.warn_fraction).toBe(0.8);
  });

  it('shows a save that failed under the form', async () => {
    // The core's refusal, as the bridge gives it inside the app.
    Object.assign(window, { __TAURI_INTERNALS__: {} });
    const onSave = vi.fn(() => Promise.reject({ kind: 'invalid', message: 'The interval is too long for this rule.' }));
    render(RuleForm, { onSave, onCancel: () => {} });
    await fireEvent.input(screen.getByLabelText('Task'), { target: { value: 'Bleed brakes' } });
    await fireEvent.input(screen.getByLabelText('Interval (km)'), { target: { value: '5000' } });
    await fireEvent.click(screen.getByTestId('rule-save'));
    expect((await screen.findByTestId('rule-save-error')).textContent).toMatch(/interval is too long/);
  });
});
