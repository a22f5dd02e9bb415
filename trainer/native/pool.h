// The addon's thread pool (pool.c): a minimal fork-join pool shared by the GEMM, the
// elementwise kernels and the fused blocks, so that nothing oversubscribes the cores.
#ifndef CRATE_LAB_POOL_H
#define CRATE_LAB_POOL_H
#include <stddef.h>

// Part `part` of `parts` of a job; the calling thread runs part 0.
typedef void (*part_fn)(void *ctx, int part, int parts);

#define MAX_THREADS 64

// Threads now in the pool (1: everything runs on the calling thread).
extern int pool_threads;

// Resizes the pool; returns the number of threads actually running (fewer if pthread_create fails).
int pool_resize(int threads);

// Runs fn over pool_threads parts and waits for all of them; `serial` runs one part on this thread.
void pool_run(part_fn fn, void *ctx, int serial);

// The half-open range [*from, *to) of `count` items that part `part` of `parts` takes.
static inline void pool_share(size_t count, int part, int parts, size_t *from, size_t *to) {
  *from = count * (size_t)part / (size_t)parts;
  *to = count * (size_t)(part + 1) / (size_t)parts;
}

#endif
