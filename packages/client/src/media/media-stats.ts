/**
 * Turning RTCStatsReport entries into the few numbers a consultation UI shows. Pure functions
 * and a bitrate meter, so they are tested without a browser.
 */

/** One RTCStats dictionary, as the report yields it. */
export type StatsEntry = Readonly<Record<string, unknown>>;

export interface RtpTotals {
  bytes: number;
  packets: number;
  /** inbound: lost as the receiver counts; outbound: as the server reports (RTCP). */
  packetsLost: number;
  frameWidth?: number;
  frameHeight?: number;
  /** Frames encoded (outbound) or decoded (inbound). */
  frames?: number;
  /** inbound audio: 0..1. */
  audioLevel?: number;
  /** Timestamp of the newest entry (ms), for rates. */
  timestampMs: number;
}

function numberField(entry: StatsEntry, name: string): number | undefined {
  const value = entry[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Sums the RTP streams of one direction in a report (one per SSRC; an RTX stream or a
 * simulcast layer adds to the total) and takes the video size from the largest.
 */
export function rtpTotals(
  entries: Iterable<StatsEntry>,
  direction: 'inbound' | 'outbound',
): RtpTotals {
  const totals: RtpTotals = { bytes: 0, packets: 0, packetsLost: 0, timestampMs: 0 };
  for (const entry of entries) {
    const type = entry.type;
    if (type === `${direction}-rtp`) {
      totals.bytes +=
        numberField(entry, direction === 'inbound' ? 'bytesReceived' : 'bytesSent') ?? 0;
      totals.packets +=
        numberField(entry, direction === 'inbound' ? 'packetsReceived' : 'packetsSent') ?? 0;
      if (direction === 'inbound') totals.packetsLost += numberField(entry, 'packetsLost') ?? 0;
      const width = numberField(entry, 'frameWidth');
      const height = numberField(entry, 'frameHeight');
      if (width !== undefined && height !== undefined && width >= (totals.frameWidth ?? 0)) {
        totals.frameWidth = width;
        totals.frameHeight = height;
      }
      const frames = numberField(
        entry,
        direction === 'inbound' ? 'framesDecoded' : 'framesEncoded',
      );
      if (frames !== undefined) totals.frames = (totals.frames ?? 0) + frames;
      const level = numberField(entry, 'audioLevel');
      if (level !== undefined) totals.audioLevel = Math.max(totals.audioLevel ?? 0, level);
      totals.timestampMs = Math.max(totals.timestampMs, numberField(entry, 'timestamp') ?? 0);
    } else if (type === 'remote-inbound-rtp' && direction === 'outbound') {
      totals.packetsLost += numberField(entry, 'packetsLost') ?? 0;
    }
  }
  return totals;
}

/** Lost packets as a fraction of all packets that should have arrived (0 when none did). */
export function lossFraction(packetsLost: number, packetsReceived: number): number {
  const expected = packetsLost + packetsReceived;
  return expected > 0 ? Math.max(0, packetsLost) / expected : 0;
}

/**
 * Bits per second between this and the previous sample of the same stream. The first sample
 * of a stream, a clock that did not advance, or a counter that went back (a new RTCRtpSender
 * after a media reset) give 0 and restart the measurement.
 */
export class BitrateMeter {
  readonly #last = new Map<string, { bytes: number; timestampMs: number }>();

  sample(key: string, bytes: number, timestampMs: number): number {
    const last = this.#last.get(key);
    this.#last.set(key, { bytes, timestampMs });
    if (last === undefined || timestampMs <= last.timestampMs || bytes < last.bytes) return 0;
    return Math.round(((bytes - last.bytes) * 8 * 1000) / (timestampMs - last.timestampMs));
  }

  /** Forgets streams not in `keys` (closed producers and consumers). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.#last.keys()) if (!keys.has(key)) this.#last.delete(key);
  }
}

export interface OutboundStats {
  readonly producerId: string;
  readonly kind: 'audio' | 'video';
  /** Bits per second since the previous getStats (0 on the first). */
  readonly bitrate: number;
  readonly packetsSent: number;
  /** As the server reported in RTCP receiver reports. */
  readonly packetsLost: number;
  readonly frameWidth?: number;
  readonly frameHeight?: number;
  readonly framesEncoded?: number;
}

export interface InboundStats {
  readonly consumerId: string;
  readonly participantId: string;
  readonly kind: 'audio' | 'video';
  readonly bitrate: number;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  /** packetsLost / (packetsLost + packetsReceived). */
  readonly packetLoss: number;
  readonly frameWidth?: number;
  readonly frameHeight?: number;
  readonly framesDecoded?: number;
  readonly audioLevel?: number;
}

/** What collectStats needs of a producer or consumer (mediasoup-client's have it). */
interface StatsSource {
  readonly id: string;
  readonly closed: boolean;
  getStats(): Promise<{ values(): Iterable<StatsEntry> }>;
}

function optional<K extends string>(name: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: number };
}

function videoSize(totals: RtpTotals) {
  return totals.frameWidth === undefined || totals.frameHeight === undefined
    ? {}
    : { frameWidth: totals.frameWidth, frameHeight: totals.frameHeight };
}

/** Reads every live producer's and consumer's stats; bitrates against the previous call. */
export async function collectStats(
  published: readonly { kind: 'audio' | 'video'; producer: StatsSource | undefined }[],
  consumers: readonly {
    consumer: StatsSource;
    remote: { participantId: string; kind: 'audio' | 'video' };
  }[],
  meter: BitrateMeter,
): Promise<{ outbound: OutboundStats[]; inbound: InboundStats[] }> {
  const outbound: OutboundStats[] = [];
  const inbound: InboundStats[] = [];
  const live = new Set<string>();
  for (const { kind, producer } of published) {
    if (producer === undefined || producer.closed) continue;
    const totals = rtpTotals((await producer.getStats()).values(), 'outbound');
    live.add(producer.id);
    outbound.push({
      producerId: producer.id,
      kind,
      bitrate: meter.sample(producer.id, totals.bytes, totals.timestampMs),
      packetsSent: totals.packets,
      packetsLost: totals.packetsLost,
      ...videoSize(totals),
      ...optional('framesEncoded', totals.frames),
    });
  }
  for (const { consumer, remote } of consumers) {
    if (consumer.closed) continue;
    const totals = rtpTotals((await consumer.getStats()).values(), 'inbound');
    live.add(consumer.id);
    inbound.push({
      consumerId: consumer.id,
      participantId: remote.participantId,
      kind: remote.kind,
      bitrate: meter.sample(consumer.id, totals.bytes, totals.timestampMs),
      packetsReceived: totals.packets,
      packetsLost: totals.packetsLost,
      packetLoss: lossFraction(totals.packetsLost, totals.packets),
      ...videoSize(totals),
      ...optional('framesDecoded', totals.frames),
      ...optional('audioLevel', totals.audioLevel),
    });
  }
  meter.retain(live);
  return { outbound, inbound };
}
