// The few protocol buffer encodings the TensorBoard events need (the wire format:
// https://protobuf.dev/programming-guides/encoding/): varint, 64-bit (double), 32-bit (float) and
// length-delimited (strings, embedded messages) fields. Each field is its key, the varint
// (field number << 3) | wire type, then its value.

const wireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

export class ProtobufWriter {
  private readonly parts: Uint8Array[] = [];

  private varint(value: bigint): void {
    const bytes: number[] = [];
    // Negative int64 values are their two's complement as 64 bits (ten bytes).
    let v = BigInt.asUintN(64, value);
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      bytes.push(v === 0n ? low : low | 0x80);
    } while (v !== 0n);
    this.parts.push(Uint8Array.from(bytes));
  }

  private key(field: number, type: number): void {
    this.varint(BigInt((field << 3) | type));
  }

  int64(field: number, value: number): this {
    this.key(field, wireType.varint);
    this.varint(BigInt(value));
    return this;
  }

  double(field: number, value: number): this {
    this.key(field, wireType.fixed64);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.parts.push(b);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, wireType.fixed32);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.parts.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, wireType.lengthDelimited);
    this.varint(BigInt(value.length));
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, value: ProtobufWriter): this {
    return this.bytes(field, value.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
