// Where a command writes its output: the process's own streams when the crate-lab binary runs,
// buffers when a caller runs a command in-process (the CLI fuzz test runs hundreds that way).
export interface TextSink {
  write(text: string): unknown;
  /** A terminal: progress lines redraw in place. */
  readonly isTTY?: boolean;
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };
