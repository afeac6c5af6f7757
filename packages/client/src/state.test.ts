import { describe, expect, it } from 'vitest';
import { isSkjermClientError } from './errors.ts';
import { type ClientState, ClientStateMachine, canTransition } from './state.ts';

describe('client state machine', () => {
  it('walks new → connecting → connected → joining → waiting → joined and reports each step', () => {
    const changes: [ClientState, ClientState][] = [];
    const machine = new ClientStateMachine((state, previous) => changes.push([state, previous]));
    for (const state of ['connecting', 'connected', 'joining', 'waiting', 'joined'] as const) {
      machine.transition(state);
    }
    expect(machine.state).toBe('joined');
    expect(changes.at(-1)).toEqual(['joined', 'waiting']);
    expect(changes).toHaveLength(5);
  });

  it('returns to connected after leaving, a denial or a refused join, so a new join is possible', () => {
    expect(canTransition('joined', 'connected')).toBe(true);
    expect(canTransition('waiting', 'connected')).toBe(true);
    expect(canTransition('joining', 'connected')).toBe(true);
    expect(canTransition('connected', 'joining')).toBe(true);
  });

  it('goes through reconnecting after a dropped connection, back to where it was or out', () => {
    expect(canTransition('joined', 'reconnecting')).toBe(true);
    expect(canTransition('waiting', 'reconnecting')).toBe(true);
    for (const state of ['joined', 'waiting', 'connected', 'closed'] as const) {
      expect(canTransition('reconnecting', state)).toBe(true);
    }
    expect(canTransition('connected', 'reconnecting')).toBe(false);
  });

  it('refuses skipped steps and anything after closed, with invalid-state', () => {
    const machine = new ClientStateMachine();
    expect(() => machine.transition('joined')).toThrow(/cannot go from new to joined/);
    machine.transition('closed');
    for (const state of ['new', 'connecting', 'connected', 'joined'] as const) {
      expect(canTransition('closed', state)).toBe(false);
    }
    try {
      machine.require('publish', 'joined');
    } catch (error) {
      expect(isSkjermClientError(error, 'invalid-state')).toBe(true);
      expect((error as Error).message).toBe(
        'publish needs the client to be joined, but it is closed',
      );
    }
  });
});
