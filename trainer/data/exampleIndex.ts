/** A bad example index is a bug in the caller, not a data fault: a RangeError, not a FileFormatError. */
export function checkIndex(i: number, size: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= size) throw new RangeError(`example index ${i} is outside 0..${size - 1}`);
}
