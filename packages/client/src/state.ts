import { SkjermClientError } from './errors.ts';

/**
 * new → connecting → connected → joining → (waiting →) joined. Leaving, being denied or
 * removed, or the end of the consultation go back to connected (a new join is possible);
 * closed is final, reached from anywhere. A dropped connection while waiting or joined goes
 * through reconnecting: back where it was when the server resumed the session, to connected
 * when the session was gone, to closed when no connection could be made.
 */
export type ClientState =
  | 'new'
  | 'connecting'
  | 'connected'
  | 'joining'
  | 'waiting'
  | 'joined'
  | 'reconnecting'
  | 'closed';

const TRANSITIONS: Readonly<Record<ClientState, readonly ClientState[]>> = {
  new: ['connecting', 'closed'],
  connecting: ['connected', 'closed'],
  connected: ['joining', 'closed'],
  // back to connected: the join was refused
  joining: ['waiting', 'joined', 'connected', 'closed'],
  waiting: ['joined', 'connected', 'reconnecting', 'closed'],
  joined: ['connected', 'reconnecting', 'closed'],
  reconnecting: ['joined', 'waiting', 'connected', 'closed'],
  closed: [],
};

export function canTransition(from: ClientState, to: ClientState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Holds the client's state; every change goes through `transition`, which refuses skips. */
export class ClientStateMachine {
  #state: ClientState = 'new';
  readonly #onChange: (state: ClientState, previous: ClientState) => void;

  constructor(onChange: (state: ClientState, previous: ClientState) => void = () => undefined) {
    this.#onChange = onChange;
  }

  get state(): ClientState {
    return this.#state;
  }

  /** Moves to `to`; throws SkjermClientError('invalid-state') for a transition not allowed. */
  transition(to: ClientState): void {
    const from = this.#state;
    if (from === to) return;
    if (!canTransition(from, to)) {
      throw new SkjermClientError('invalid-state', `cannot go from ${from} to ${to}`);
    }
    this.#state = to;
    this.#onChange(to, from);
  }

  /** Throws SkjermClientError('invalid-state') unless the state is one of `states`. */
  require(action: string, ...states: ClientState[]): void {
    if (!states.includes(this.#state)) {
      throw new SkjermClientError(
        'invalid-state',
        `${action} needs the client to be ${states.join(' or ')}, but it is ${this.#state}`,
      );
    }
  }
}
