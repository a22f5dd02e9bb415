// Types for scripts/bench-vs-torch.mjs (plain JavaScript, run by scripts/bench.mjs).

/** Environment variables that pin OpenBLAS's kernels or cache size; the bench's children run without them. */
export declare const PINNING_VARIABLES: readonly string[];
/** `env` without PINNING_VARIABLES. */
export declare function unpinnedEnv(env: Record<string, string | undefined>): Record<string, string | undefined>;
export declare function median(values: number[]): number;
/** The first candidate that imports torch, or why none does with the install command. */
export declare function pythonWithTorch(candidates: string[]): { python?: string; missing?: string };
export declare function vsTorch(argv: string[]): void;
