import type { RoomSpec } from '../load/control-plane.ts';
import { SkjermPlane } from '../load/skjerm-driver.ts';
import type { SkjermSession } from '../load/skjerm-session.ts';
import { CpuMeter } from '../measure/process-usage.ts';
import { sleep } from '../measure/window.ts';
import { type Distribution, distribution } from '../report/statistics.ts';

export interface SignalingRateResult {
  connections: number;
  inFlightPerConnection: number;
  seconds: number;
  /** relayKeys requests answered per second (each also relayed to another member). */
  requestsPerSecond: number;
  /** keyEnvelope notifications the members received per second. */
  notificationsPerSecond: number;
  refused: number;
  latencyMs: Distribution;
  /** The server process's CPU, % of one core: below ~90%, the clients were the limit. */
  serverCpu: number;
  loadGeneratorCpu: number;
}

/** A booking needs a patient; the clinicians alone connect. */
const room: RoomSpec = {
  mode: 'consultation',
  members: [
    'host',
    'clinician',
    'clinician',
    'clinician',
    'clinician',
    'clinician',
    'clinician',
    'patient',
  ],
};
const CONNECTIONS = 7;

/**
 * The most signaling the server sustains: seven clinicians in one consultation keep
 * `inFlight` relayKeys requests each in flight (key distribution is what clients send most once
 * in a call), each relayed to the next clinician. No media flows. The server is a separate
 * instance with the per-connection rate limit lifted (SKJERM_WS_MESSAGES_PER_SECOND=1000000);
 * the default (50/s per connection) would measure the limiter instead.
 */
export async function measureSignalingRate(
  seconds: number,
  inFlight = 8,
): Promise<SignalingRateResult> {
  const plane = await SkjermPlane.start({ SKJERM_WS_MESSAGES_PER_SECOND: '1000000' });
  try {
    const control = await plane.openRoom(room);
    const sessions: SkjermSession[] = [];
    for (let i = 0; i < CONNECTIONS; i++) sessions.push(await control.join(i));
    for (const session of sessions) session.client.countOnly('keyEnvelope');
    const notifications = () =>
      sessions.reduce((total, session) => total + session.client.counted('keyEnvelope'), 0);
    // About the size of a sealed SFrame key (crypto_box of 32 bytes plus a signature).
    const envelope = { sealed: 'x'.repeat(180), signature: 'y'.repeat(86) };
    const latencies: number[] = [];
    let answered = 0;
    let refused = 0;
    let running = true;
    const pump = async (session: SkjermSession, to: string) => {
      while (running) {
        const sentAt = performance.now();
        try {
          await session.client.request('relayKeys', { envelopes: [{ to, envelope }] });
          answered++;
          latencies.push(performance.now() - sentAt);
        } catch {
          refused++;
          if (!session.client.open) return;
        }
      }
    };
    const cpu = new CpuMeter(plane.controlPid);
    const pumps = sessions.flatMap((session, i) => {
      const to = (sessions[(i + 1) % sessions.length] as SkjermSession).participantId;
      return Array.from({ length: inFlight }, () => pump(session, to));
    });
    // The first half second warms up (JIT, buffers); count after it.
    await sleep(500);
    const countedFrom = { answered, notifications: notifications() };
    const clientCpuFrom = process.cpuUsage();
    latencies.length = 0;
    const measuredFrom = performance.now();
    cpu.start();
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - measuredFrom) / 1000;
    const serverCpu = cpu.stop();
    const clientCpuUsage = process.cpuUsage(clientCpuFrom);
    const result = {
      answered: answered - countedFrom.answered,
      notifications: notifications() - countedFrom.notifications,
    };
    running = false;
    await Promise.all(pumps);
    await Promise.all(sessions.map((s) => s.leave()));
    return {
      connections: sessions.length,
      inFlightPerConnection: inFlight,
      seconds: elapsed,
      requestsPerSecond: result.answered / elapsed,
      notificationsPerSecond: result.notifications / elapsed,
      refused,
      latencyMs: distribution(latencies),
      serverCpu,
      loadGeneratorCpu: (clientCpuUsage.user + clientCpuUsage.system) / 10_000 / elapsed,
    };
  } finally {
    await plane.close();
  }
}
