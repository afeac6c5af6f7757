import { describe, expect, it } from 'vitest';
import { parseCli } from './cli-options.ts';

describe('parseCli', () => {
  it('runs the forwarding, capacity and signaling parts in the quick pass by default', () => {
    expect(parseCli([])).toEqual({
      mode: 'quick',
      scenarios: ['forwarding', 'capacity', 'signaling'],
      chosen: false,
    });
  });

  it('adds the scale-out scenario to --full', () => {
    expect(parseCli(['--full']).scenarios).toEqual([
      'forwarding',
      'capacity',
      'signaling',
      'scale-out',
    ]);
  });

  it('runs only the scenarios named with --scenario, in the bench order, in either mode', () => {
    expect(parseCli(['--scenario', 'scale-out'])).toEqual({
      mode: 'quick',
      scenarios: ['scale-out'],
      chosen: true,
    });
    expect(parseCli(['--full', '--scenario=scale-out,forwarding']).scenarios).toEqual([
      'forwarding',
      'scale-out',
    ]);
  });

  it('refuses an unknown scenario, a missing name or an unknown option', () => {
    expect(() => parseCli(['--scenario', 'scaleout'])).toThrow(/unknown scenario "scaleout"/);
    expect(() => parseCli(['--scenario'])).toThrow(/unknown scenario/);
    expect(() => parseCli(['--fast'])).toThrow(/unknown option --fast/);
  });
});
