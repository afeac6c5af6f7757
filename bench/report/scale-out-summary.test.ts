import { describe, expect, it } from 'vitest';
import { endsRamp } from '../scenarios/capacity-search.ts';
import {
  capacityRatio,
  limitOf,
  type RampOutcome,
  type RampStep,
  rampCapacity,
} from './scale-out-summary.ts';

/** Steps of 4-party consultations (24 audio+video consumers each) that held up to `held`. */
function steps(held: number, upTo: number): RampStep[] {
  return Array.from({ length: upTo }, (_, i) => ({
    consultations: i + 1,
    consumers: (i + 1) * 24,
    holds: i + 1 <= held,
  }));
}

function ramp(mediaNodes: number, points: RampStep[], failed: boolean): RampOutcome {
  return { mediaNodes, points, failed };
}

describe('rampCapacity', () => {
  it('is the largest step that held, even when a disturbed step failed below it', () => {
    const points = steps(6, 7);
    points[3] = { consultations: 4, consumers: 96, holds: false };
    expect(rampCapacity(points)).toEqual({ consultations: 6, consumers: 144 });
  });

  it('is undefined when no step held', () => {
    expect(rampCapacity(steps(0, 2))).toBeUndefined();
    expect(rampCapacity([])).toBeUndefined();
  });
});

describe('capacityRatio', () => {
  it('divides held consultations, two nodes over one, exact when both ramps ended on a failure', () => {
    expect(capacityRatio(ramp(2, steps(9, 10), true), ramp(1, steps(6, 7), true))).toEqual({
      value: 1.5,
      bound: 'exact',
      mediaNodes: [2, 1],
    });
  });

  it('is a lower bound when the larger cluster ran out of steps before failing', () => {
    expect(capacityRatio(ramp(2, steps(8, 8), false), ramp(1, steps(4, 5), true))).toMatchObject({
      value: 2,
      bound: 'at least',
    });
  });

  it('is an upper bound when only the single node never failed', () => {
    expect(capacityRatio(ramp(2, steps(3, 4), true), ramp(1, steps(6, 6), false))).toMatchObject({
      value: 0.5,
      bound: 'at most',
    });
  });

  it('is unknown when neither ramp failed, or one held nothing', () => {
    expect(capacityRatio(ramp(2, steps(5, 5), false), ramp(1, steps(5, 5), false)).bound).toBe(
      'unknown',
    );
    const none = capacityRatio(ramp(2, steps(5, 6), true), ramp(1, steps(0, 1), true));
    expect(none.value).toBeNaN();
    expect(none.bound).toBe('unknown');
  });
});

describe('endsRamp (the stopping rule the capacity search and the scale-out ramps share)', () => {
  it('stops at a failed step on a quiet machine', () => {
    expect(endsRamp({ holds: false, disturbed: false }, { holds: true })).toBe(true);
  });

  it('gives a step that failed while other jobs loaded the machine one more try', () => {
    expect(endsRamp({ holds: false, disturbed: true }, { holds: true })).toBe(false);
    expect(endsRamp({ holds: false, disturbed: true }, { holds: false })).toBe(true);
  });

  it('goes on after a step that held', () => {
    expect(endsRamp({ holds: true, disturbed: true }, undefined)).toBe(false);
  });
});

describe('limitOf', () => {
  const idle = {
    loadGeneratorCpu: 20,
    loadGeneratorLagMaxMs: 5,
    workerCpus: [10, 10],
    controlCpu: 5,
    otherCpu: 0,
  };

  it('names the load generator first when it is saturated, even if a worker is too', () => {
    expect(limitOf({ ...idle, loadGeneratorCpu: 97, workerCpus: [95] }, 2)).toBe('load generator');
  });

  it('names the load generator when its event loop stalled as long as the latency criterion', () => {
    expect(limitOf({ ...idle, loadGeneratorCpu: 80, loadGeneratorLagMaxMs: 67 }, 2)).toBe(
      'load generator',
    );
  });

  it('names a media worker when one is saturated and the generator is not', () => {
    expect(limitOf({ ...idle, workerCpus: [40, 92] }, 8)).toBe('media worker');
  });

  it('names the machine when its cores are busy but no process is saturated', () => {
    expect(
      limitOf(
        { ...idle, loadGeneratorCpu: 80, workerCpus: [45, 40], controlCpu: 10, otherCpu: 5 },
        2,
      ),
    ).toBe('machine');
  });

  it('says nothing was saturated otherwise', () => {
    expect(limitOf(idle, 2)).toBe('none saturated');
  });
});
