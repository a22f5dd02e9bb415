/** A data, weights or config file that cannot be used; the message names the file and the fault. */
export class FileFormatError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}
