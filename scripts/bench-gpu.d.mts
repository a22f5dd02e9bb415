// Types for scripts/bench-gpu.mjs (plain JavaScript: it runs with the packed Node, without tsx).

/** The largest power of two up to `most` whose training fits 3/4 of `memoryBytes` (4 × activations per image). */
export declare function sizeBatch(activationBytesPerImage: number, memoryBytes: number, most: number): number;
