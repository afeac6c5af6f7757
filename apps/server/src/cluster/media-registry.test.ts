import { describe, expect, it } from 'vitest';
import { drainKey, type MediaNodeInfo, mediaNodeKey, pickMediaNode } from './media-registry.ts';

function node(
  nodeId: string,
  participants: number,
  capacity: number,
  extra: { cpu?: number; draining?: boolean } = {},
): MediaNodeInfo {
  return {
    nodeId,
    rpcUrl: `http://127.0.0.1:7000/${nodeId}`,
    capacity,
    load: { workers: 2, rooms: 1, participants, consumers: participants * 2, cpu: extra.cpu ?? 0 },
    draining: extra.draining ?? false,
  };
}

const pick = (...args: Parameters<typeof pickMediaNode>) => pickMediaNode(...args)?.nodeId;

describe('pickMediaNode', () => {
  it('picks nothing when there are no nodes', () => {
    expect(pick([])).toBeUndefined();
  });

  it('picks the node with the lowest share of its capacity in use, not the fewest participants', () => {
    // a: 10 of 100 (10 %); b: 5 of 20 (25 %).
    expect(pick([node('b', 5, 20), node('a', 10, 100)])).toBe('a');
    expect(pick([node('a', 30, 100), node('b', 5, 20)])).toBe('b');
  });

  it('breaks a tie in fill by CPU, then by node id', () => {
    expect(pick([node('a', 2, 10, { cpu: 0.9 }), node('b', 4, 20, { cpu: 0.3 })])).toBe('b');
    expect(pick([node('b', 1, 10, { cpu: 0.5 }), node('a', 1, 10, { cpu: 0.5 })])).toBe('a');
    expect(pick([node('a', 1, 10, { cpu: 0.5 }), node('b', 1, 10, { cpu: 0.5 })])).toBe('a');
  });

  it('never picks a draining node, even the only one or the least loaded', () => {
    expect(pick([node('a', 0, 10, { draining: true }), node('b', 8, 10)])).toBe('b');
    expect(pick([node('a', 0, 10, { draining: true })])).toBeUndefined();
  });

  it('never picks a full node', () => {
    expect(pick([node('a', 10, 10), node('b', 9, 10)])).toBe('b');
    expect(pick([node('a', 10, 10), node('b', 12, 10)])).toBeUndefined();
  });

  it('skips excluded nodes', () => {
    const nodes = [node('a', 0, 10), node('b', 5, 10)];
    expect(pick(nodes, { exclude: new Set(['a']) })).toBe('b');
    expect(pick(nodes, { exclude: new Set(['a', 'b']) })).toBeUndefined();
  });

  it('keeps a consultation on a node already hosting it while that node has room', () => {
    const nodes = [node('a', 0, 10), node('b', 8, 10), node('c', 6, 10)];
    expect(pick(nodes, { prefer: ['b'] })).toBe('b');
    expect(pick(nodes, { prefer: ['b', 'c'] })).toBe('c');
  });

  it('leaves a preferred node that is full, draining or excluded for the least-loaded other', () => {
    const full = [node('a', 3, 10), node('b', 10, 10), node('c', 1, 10)];
    expect(pick(full, { prefer: ['b'] })).toBe('c');
    const draining = [node('a', 3, 10), node('b', 1, 10, { draining: true })];
    expect(pick(draining, { prefer: ['b'] })).toBe('a');
    const nodes = [node('a', 3, 10), node('b', 1, 10)];
    expect(pick(nodes, { prefer: ['b'], exclude: new Set(['b']) })).toBe('a');
  });

  it('ignores preferred ids that are not among the nodes', () => {
    expect(pick([node('a', 3, 10), node('b', 1, 10)], { prefer: ['gone'] })).toBe('b');
  });
});

describe('registry keys', () => {
  it('name a node by its id', () => {
    expect(mediaNodeKey('media-1')).toBe('skjerm:media:node:media-1');
    expect(drainKey('media-1')).toBe('skjerm:media:drain:media-1');
  });

  it('refuse ids that would act as key separators or SCAN patterns', () => {
    for (const id of ['', 'a:b', 'a*', 'a?', '[ab]', 'a b', 'x'.repeat(65)]) {
      expect(() => mediaNodeKey(id), id).toThrow(RangeError);
    }
  });
});
