import type { PlaneName } from './load/control-plane.ts';
import { groupTherapy, oneToOne, withInterpreter } from './scenarios/room-shapes.ts';
import type { SteadyScenario } from './scenarios/steady-load.ts';

/** How big and how long a run is. */
export interface Profile {
  mode: 'quick' | 'full';
  /** The run stops by itself within this (a hard stop follows 20 s later). */
  budgetSeconds: number;
  scenarios: SteadyScenario[];
  steadyWindowSeconds: number;
  /** Steady windows per plane per scenario, the planes taking turns. */
  windowsPerPlane: number;
  capacityWindowSeconds: number;
  /** Participant totals per ramp step (rooms of up to 24, full mesh). */
  videoSteps: number[];
  audioSteps: number[];
  rampPlanes: PlaneName[];
  signalingSeconds: number;
  /** Waiting for other jobs on the shared machine to calm down: per window, and in all (ms). */
  quietWait: { perWindowMs: number; totalMs: number };
  /** Total capacity with one and with two media nodes (time added to the budget when run). */
  scaleOut: {
    budgetSeconds: number;
    mediaNodes: number[];
    /** Consultation totals per ramp step (scenario (b)'s shape: 24 consumers each). */
    steps: number[];
    windowSeconds: number;
  };
}

export const PROFILES: Record<Profile['mode'], Profile> = {
  quick: {
    mode: 'quick',
    budgetSeconds: 170,
    scenarios: [
      { id: 'a', title: '1:1 ×10', room: oneToOne, rooms: 10 },
      { id: 'b', title: '4-party+interp ×3', room: withInterpreter, rooms: 3 },
      { id: 'c', title: 'group 1+8 ×1', room: groupTherapy, rooms: 1 },
    ],
    steadyWindowSeconds: 3,
    windowsPerPlane: 2,
    capacityWindowSeconds: 3,
    videoSteps: [12, 16, 20, 24, 32],
    audioSteps: [20, 24, 36, 48],
    rampPlanes: ['skjerm'],
    signalingSeconds: 3,
    quietWait: { perWindowMs: 3_000, totalMs: 12_000 },
    scaleOut: {
      budgetSeconds: 180,
      mediaNodes: [1, 2],
      steps: [2, 3, 4, 5, 6, 7, 8, 10, 12],
      windowSeconds: 3,
    },
  },
  full: {
    mode: 'full',
    budgetSeconds: 900,
    scenarios: [
      { id: 'a', title: '1:1 ×30', room: oneToOne, rooms: 30 },
      { id: 'b', title: '4-party+interp ×8', room: withInterpreter, rooms: 8 },
      { id: 'c', title: 'group 1+8 ×2', room: groupTherapy, rooms: 2 },
    ],
    steadyWindowSeconds: 8,
    windowsPerPlane: 3,
    capacityWindowSeconds: 6,
    videoSteps: [8, 12, 16, 18, 20, 22, 24, 30, 36, 42, 48],
    audioSteps: [12, 20, 24, 30, 36, 42, 48, 60, 72],
    rampPlanes: ['skjerm', 'baseline'],
    signalingSeconds: 8,
    quietWait: { perWindowMs: 20_000, totalMs: 180_000 },
    scaleOut: {
      budgetSeconds: 420,
      mediaNodes: [1, 2],
      steps: [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 20],
      windowSeconds: 6,
    },
  },
};
