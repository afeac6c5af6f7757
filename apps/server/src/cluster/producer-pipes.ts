import type { Logger } from 'pino';
import { RequestError } from '../lib/request-error.ts';
import type { PipedProducer } from '../media/media-room.ts';
import type { RpcMethod, RpcParams } from './media-rpc.ts';

/** A consultation's room on one media node, as far as pipes care. */
export interface PipeRoom {
  nodeId: string;
}

export interface ProducerPipesOptions<R extends PipeRoom> {
  /** One RPC call to a room of the consultation. */
  call: <M extends RpcMethod>(
    room: R,
    method: M,
    params: Omit<RpcParams<M>, 'roomId'>,
  ) => Promise<unknown>;
  /** The consultation's room on a node, if it has one. */
  roomOn: (nodeId: string) => Promise<R> | undefined;
  log: Logger;
}

type PipedRpc = RpcParams<'pipeIn'>['piped'];

interface PipeEndAnswer {
  pipeId: string;
  ip: string;
  port: number;
  srtpParameters: Record<string, string>;
}

/**
 * How one consultation's producers cross between its media nodes: one SRTP PipeTransport
 * pair per pair of nodes, opened when first needed, and each producer piped from the node
 * where it arrives (and its SFrame guard runs) into each other node that needs it, once.
 * Copies pause, resume and close with their origin.
 */
export class ProducerPipes<R extends PipeRoom> {
  readonly #options: ProducerPipesOptions<R>;
  /** `${producerId}>${nodeId}`: the producer is (being) piped into that node's room. */
  readonly #piped = new Map<string, Promise<void>>();
  /** `${nodeIdA}|${nodeIdB}` (sorted): the pipe between two rooms, each end's id by node. */
  readonly #pipes = new Map<string, Promise<Map<string, string>>>();

  constructor(options: ProducerPipesOptions<R>) {
    this.#options = options;
  }

  /** Pipes a producer of the room on `originNodeId` into `target` (once). */
  pipeInto(producerId: string, originNodeId: string, target: R): Promise<void> {
    const key = `${producerId}>${target.nodeId}`;
    const existing = this.#piped.get(key);
    if (existing) return existing;
    const { call } = this.#options;
    const piping = (async () => {
      const source = await this.#options.roomOn(originNodeId);
      if (!source) throw new RequestError('not-found', `no producer ${producerId}`);
      const pipes = await this.#pipeBetween(source, target);
      const piped = (await call(source, 'pipeOut', {
        pipeId: pipes.get(source.nodeId) as string,
        producerId,
      })) as PipedProducer;
      await call(target, 'pipeIn', {
        pipeId: pipes.get(target.nodeId) as string,
        piped: piped as unknown as PipedRpc,
      });
    })();
    piping.catch((error: unknown) => {
      if (this.#piped.get(key) === piping) this.#piped.delete(key);
      this.#options.log.warn({ err: error, producerId }, 'cannot pipe producer');
    });
    this.#piped.set(key, piping);
    return piping;
  }

  /** The origin paused or resumed a producer: so do its copies. */
  async pauseCopies(producerId: string, paused: boolean, rooms: readonly R[]): Promise<void> {
    await Promise.all(
      rooms.map((room) =>
        this.#piped
          .get(`${producerId}>${room.nodeId}`)
          ?.then(() => this.#options.call(room, 'setPipedPaused', { producerId, paused }))
          .catch(() => undefined),
      ),
    );
  }

  /** The origin closed a producer: its copies close (their consumers with them). */
  closeCopies(producerId: string, rooms: readonly R[]): void {
    for (const room of rooms) {
      const key = `${producerId}>${room.nodeId}`;
      if (!this.#piped.delete(key)) continue;
      this.#options.call(room, 'closePiped', { producerId }).catch(() => undefined);
    }
  }

  /** The rooms are gone (reset, close): so are their pipes. */
  clear(): void {
    this.#piped.clear();
    this.#pipes.clear();
  }

  #pipeBetween(a: R, b: R): Promise<Map<string, string>> {
    const key = [a.nodeId, b.nodeId].sort().join('|');
    const existing = this.#pipes.get(key);
    if (existing) return existing;
    const { call } = this.#options;
    const opening = (async () => {
      const [endA, endB] = (await Promise.all([
        call(a, 'openPipe', {}),
        call(b, 'openPipe', {}),
      ])) as [PipeEndAnswer, PipeEndAnswer];
      const remote = ({ ip, port, srtpParameters }: PipeEndAnswer) => ({
        ip,
        port,
        srtpParameters: {
          cryptoSuite: String(srtpParameters.cryptoSuite),
          keyBase64: String(srtpParameters.keyBase64),
        },
      });
      await Promise.all([
        call(a, 'connectPipe', { pipeId: endA.pipeId, remote: remote(endB) }),
        call(b, 'connectPipe', { pipeId: endB.pipeId, remote: remote(endA) }),
      ]);
      return new Map([
        [a.nodeId, endA.pipeId],
        [b.nodeId, endB.pipeId],
      ]);
    })();
    opening.catch(() => {
      if (this.#pipes.get(key) === opening) this.#pipes.delete(key);
    });
    this.#pipes.set(key, opening);
    return opening;
  }
}
