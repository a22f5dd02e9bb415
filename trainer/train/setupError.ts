/** A user-facing failure to start a run (bad data, unwritable runs directory); nothing is left behind. */
export class TrainingSetupError extends Error {}
