// The `code` of every ResponseError the run manager answers with (server → client), one value per
// meaning. 1–7 keep the numbers they had as bare literals; JSON-RPC's InternalError is for bugs.
export enum ErrorCodes {
  /** The directory has no run.json. */
  NotARunDirectory = 1,
  /** attention.bin cannot be read, is shorter than its index in events.jsonl says, or holds values that are not attention weights. */
  AttentionTruncated = 2,
  /** The trainer exited before announcing its run directory (data: LaunchErrorData). */
  TrainerExited = 3,
  /** The trainer did not announce its run directory in time (data: LaunchErrorData). */
  TrainerStartTimeout = 4,
  /** The config to launch cannot be read or has errors. */
  ConfigRejected = 5,
  /** The run's trainer runs on another host: stop it there. */
  RunOnOtherHost = 6,
  /** The run says it is live but its trainer process is gone. */
  TrainerGone = 7,
  /** run.json exists but is damaged or unreadable (it was code 1, "not a run directory", before). */
  RunInfoUnreadable = 8,
  /** Another trainer holds the run's lock (a resume of a run being trained). */
  RunLocked = 9,
  /** The runs directory's .logs folder is a symbolic link: the server writes no launch log through it. */
  LogsFolderIsLink = 10,
  /** `crate-lab sweep` (launch, stop or resume) exited with an error; the message is the CLI's own (data: LaunchErrorData). */
  SweepCommandFailed = 11,
  /** The folder has no sweep.json. */
  NotASweepFolder = 12,
  /** A run's annotations.json is damaged or unreadable: it is not overwritten (the message names the file and the field). */
  AnnotationsUnreadable = 13,
  /** annotateRun's tags or note are not valid (the message names the tag). */
  BadAnnotations = 14,
  /** A bug in the server (JSON-RPC's InternalError), logged with its stack there. */
  InternalError = -32603,
}
