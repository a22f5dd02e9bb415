/** A user mistake: printed as one line on stderr, exit code 2, no stack trace. */
export class UsageError extends Error {}
