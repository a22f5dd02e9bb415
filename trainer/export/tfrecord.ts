// TFRecord framing, the container of TensorBoard event files, as
// tensorflow/core/lib/io/record_writer.cc writes it (all little-endian):
//   uint64 length
//   uint32 masked CRC-32C of the 8 length bytes
//   byte   data[length]
//   uint32 masked CRC-32C of the data
import { maskedCrc32c } from './crc32c.js';

/** One record framing `data`. */
export function tfRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}
