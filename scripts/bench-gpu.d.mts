// Types for scripts/bench-gpu.mjs (plain JavaScript: it runs with the packed Node, without tsx).

/** The largest power of two up to `most` whose training (`trainingBytesPerImage` each) fits 3/4 of `memoryBytes`. */
export declare function sizeBatch(trainingBytesPerImage: number, memoryBytes: number, most: number): number;
