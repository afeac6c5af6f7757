/**
 * Puts one forwarded VP8 stream's frames back together: a frame is its start packet (S bit)
 * and the packets after it in sequence up to the marker. A gap abandons the frame, since a
 * frame missing a slice cannot be decrypted; the probe inside it then counts as lost. Frames
 * come out as their slices, in order: most are only peeked into, so nothing is copied here.
 */
export class Vp8FrameAssembler {
  #chunks: Uint8Array[] = [];
  /** RTP sequence number the frame in progress needs next; -1 when none is in progress. */
  #nextSequence = -1;
  /** Frames abandoned half-way because a packet was missing (diagnostic). */
  abandoned = 0;

  /** Adds one packet's VP8 data (descriptor removed); returns the slices of the frame it completes. */
  push(
    sequenceNumber: number,
    marker: boolean,
    frameStart: boolean,
    data: Uint8Array,
  ): Uint8Array[] | undefined {
    if (frameStart) {
      if (this.#nextSequence !== -1) this.abandoned++;
      this.#chunks = [data];
    } else if (sequenceNumber === this.#nextSequence) {
      this.#chunks.push(data);
    } else {
      if (this.#nextSequence !== -1) this.abandoned++;
      this.#reset();
      return undefined;
    }
    this.#nextSequence = (sequenceNumber + 1) & 0xffff;
    if (!marker) return undefined;
    const frame = this.#chunks;
    this.#reset();
    return frame;
  }

  #reset(): void {
    this.#chunks = [];
    this.#nextSequence = -1;
  }
}

/** The slices of a frame as one buffer. */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const frame = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    frame.set(chunk, offset);
    offset += chunk.length;
  }
  return frame;
}
