/**
 * Unambiguous byte encodings of structured values for signing and hashing. Every variable-length
 * field is length-prefixed, so no two different field lists encode to the same bytes (without
 * that, from="ab", to="c" and from="a", to="bc" would sign the same message).
 */
const encoder = new TextEncoder();

export class CanonicalWriter {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  /** A domain-separation label: a signature made for one purpose never verifies for another. */
  constructor(label: string) {
    this.string(label);
  }

  u32(value: number): this {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, value);
    return this.#push(out);
  }

  /** Length-prefixed bytes. */
  bytes(value: Uint8Array): this {
    this.u32(value.length);
    return this.#push(value);
  }

  /** Length-prefixed UTF-8. */
  string(value: string): this {
    return this.bytes(encoder.encode(value));
  }

  finish(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const part of this.#parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  #push(part: Uint8Array): this {
    this.#parts.push(part);
    this.#length += part.length;
    return this;
  }
}
