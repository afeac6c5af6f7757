import type { ControlPlane, MediaKind, RoomControl, RoomSpec } from '../load/control-plane.ts';
import { LoadParticipant, ProducerDirectory } from '../load/load-participant.ts';
import { WindowRecorder } from '../load/media-receiver.ts';
import { measureWindow, type QuietGate, sleep, type WindowMeasurement } from '../measure/window.ts';

export interface RunRoom {
  control: RoomControl;
  spec: RoomSpec;
  kinds: readonly MediaKind[];
  members: LoadParticipant[];
  /** Seats of the spec handed out so far (failed joins included). */
  seatsTaken: number;
}

/**
 * One load on one control plane: the rooms, the synthetic members in them and what they send
 * and receive. Built up room by room and member by member (so later joins happen under the load
 * already running), measured in windows, and torn down at the end.
 */
export class LoadRun {
  readonly plane: ControlPlane;
  readonly recorder = new WindowRecorder();
  readonly directory = new ProducerDirectory();
  readonly participants: LoadParticipant[] = [];
  readonly rooms: RunRoom[] = [];
  /** Joins that failed, with why (a healthy run has none). */
  readonly failures: string[] = [];

  constructor(plane: ControlPlane) {
    this.plane = plane;
  }

  async openRoom(spec: RoomSpec, kinds: readonly MediaKind[]): Promise<RunRoom> {
    const room = {
      control: await this.plane.openRoom(spec),
      spec,
      kinds,
      members: [],
      seatsTaken: 0,
    };
    this.rooms.push(room);
    return room;
  }

  /** The room's next seat joins, produces and consumes; undefined if that failed. */
  async join(room: RunRoom): Promise<LoadParticipant | undefined> {
    const index = room.seatsTaken++;
    if (index >= room.spec.members.length) throw new Error('the room is full');
    const alreadySending = room.members.some((member) => member.sources.length > 0);
    const participant = await LoadParticipant.create(room.kinds, this.recorder, alreadySending);
    this.participants.push(participant);
    try {
      const session = await room.control.join(index);
      room.members.push(participant);
      await participant.attach(session, this.directory);
      return participant;
    } catch (error) {
      this.failures.push(`${this.plane.name} member ${index}: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** The room's next `count` seats join concurrently. */
  async joinMany(room: RunRoom, count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.join(room)));
  }

  /** Consumers a full mesh of the joined members should have. */
  expectedConsumers(): number {
    return this.rooms.reduce(
      (total, room) => total + room.members.length * (room.members.length - 1) * room.kinds.length,
      0,
    );
  }

  consumers(): number {
    return this.participants.reduce((total, p) => total + p.receiver.streams.size, 0);
  }

  /** Waits until every expected consumer delivered a frame; false on timeout. */
  async waitFlowing(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const streams = this.participants.flatMap((p) => [...p.receiver.streams.values()]);
      if (streams.length >= this.expectedConsumers() && streams.every((s) => s.frames > 0)) {
        return true;
      }
      if (performance.now() > deadline) return false;
      await sleep(50);
    }
  }

  /**
   * One window of `seconds`, after waiting (as the gate allows) for other jobs on the machine
   * to calm down; the wait is reported with the window.
   */
  async measure(seconds: number, quiet: QuietGate): Promise<WindowMeasurement> {
    const ours = [this.plane.workerPid, this.plane.controlPid, process.pid];
    const waitedForQuietMs = await quiet.wait(ours);
    return {
      ...(await measureWindow(this.plane, this.participants, this.recorder, seconds)),
      waitedForQuietMs,
    };
  }

  /** Stops every sender (consumers stay): another load is being measured meanwhile. */
  pause(): void {
    for (const participant of this.participants) {
      for (const source of participant.sources) source.stop();
    }
  }

  resume(): void {
    for (const participant of this.participants) {
      for (const source of participant.sources) source.start();
    }
  }

  /** Join times (ms) of members who joined a room where media was already flowing. */
  joinTimes(): { samples: number[]; withoutMedia: number } {
    const measured = this.participants.filter((p) => p.measureJoin);
    const samples = measured.flatMap((p) => (p.joinTimeMs === undefined ? [] : [p.joinTimeMs]));
    return { samples, withoutMedia: measured.length - samples.length };
  }

  async close(): Promise<void> {
    await Promise.all(this.participants.map((p) => p.close()));
    await Promise.all(this.rooms.map((room) => room.control.close().catch(() => undefined)));
  }
}
