// A minimal fork-join pool (pool.h): the calling thread runs part 0, workers run parts
// 1..threads-1. Jobs are serialised, so the addon may be called from several JS threads.
//
// Between jobs a worker spins for a while before it sleeps, and the caller spins for the
// workers' parts before it sleeps: a fused block runs a dozen jobs back to back, and waking a
// sleeping thread cost ~120 µs per job on the 2-core VM this was measured on (an empty job: 120 µs
// with sleeping alone, 0.5 µs spinning; docs/performance.md), tenths of a second of a cifar-shape
// training step. The spin is bounded (POOL_SPIN checks), so an idle trainer's threads still sleep.
#include "pool.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

// Checks of the job counter before sleeping: ~0.1–0.5 ms on current x86 cores with a pause
// between checks, longer than the gap between two jobs of a fused block.
#define POOL_SPIN 20000

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static pthread_mutex_t pool_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_start = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER;
// Serialises jobs when the addon is used from several JS threads (worker_threads).
static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER;
static pthread_t pool_workers[MAX_THREADS];
int pool_threads = 1;
// The job's number: a worker runs a job when it sees the number change. pool_fn and pool_ctx
// are written before the number is released.
static atomic_ulong pool_generation = 0;
static atomic_int pool_pending = 0;
static atomic_int pool_stopping = 0;
// Under pool_mutex: workers asleep on pool_start, and whether the caller sleeps on pool_done.
static int pool_sleepers = 0;
static int pool_caller_sleeps = 0;
// The job number when the current workers were started: they wait for the next one.
static unsigned long pool_born = 0;
static part_fn pool_fn = NULL;
static void *pool_ctx = NULL;

// Waits for a job numbered other than `seen` (or for the pool to stop); returns its number.
static unsigned long wait_for_job(unsigned long seen) {
  for (int i = 0; i < POOL_SPIN; i++) {
    unsigned long now = atomic_load_explicit(&pool_generation, memory_order_acquire);
    if (now != seen || atomic_load(&pool_stopping)) return now;
    cpu_relax();
  }
  pthread_mutex_lock(&pool_mutex);
  pool_sleepers++;
  unsigned long now;
  while ((now = atomic_load(&pool_generation)) == seen && !atomic_load(&pool_stopping))
    pthread_cond_wait(&pool_start, &pool_mutex);
  pool_sleepers--;
  pthread_mutex_unlock(&pool_mutex);
  return now;
}

static void *pool_worker(void *arg) {
  int part = (int)(intptr_t)arg;
  unsigned long seen = pool_born;
  for (;;) {
    seen = wait_for_job(seen);
    if (atomic_load(&pool_stopping)) break;
    pool_fn(pool_ctx, part, pool_threads);
    if (atomic_fetch_sub_explicit(&pool_pending, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&pool_mutex);
      if (pool_caller_sleeps) pthread_cond_signal(&pool_done);
      pthread_mutex_unlock(&pool_mutex);
    }
  }
  return NULL;
}

static void pool_stop(void) {
  pthread_mutex_lock(&pool_mutex);
  atomic_store(&pool_stopping, 1);
  pthread_cond_broadcast(&pool_start);
  pthread_mutex_unlock(&pool_mutex);
  for (int i = 1; i < pool_threads; i++) pthread_join(pool_workers[i], NULL);
  atomic_store(&pool_stopping, 0);
  pool_threads = 1;
}

// Returns the number of threads actually running (fewer if pthread_create fails).
int pool_resize(int threads) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  pthread_mutex_lock(&pool_busy);
  if (threads != pool_threads) {
    pool_stop();
    int started = 1;
    pool_born = atomic_load(&pool_generation);  // no job runs meanwhile: pool_busy is held
    for (int i = 1; i < threads; i++) {
      if (pthread_create(&pool_workers[i], NULL, pool_worker, (void *)(intptr_t)i) != 0) break;
      started++;
    }
    pool_threads = started;
  }
  int now = pool_threads;
  pthread_mutex_unlock(&pool_busy);
  return now;
}

void pool_run(part_fn fn, void *ctx, int serial) {
  pthread_mutex_lock(&pool_busy);
  if (serial || pool_threads == 1) {
    fn(ctx, 0, 1);
    pthread_mutex_unlock(&pool_busy);
    return;
  }
  pool_fn = fn;
  pool_ctx = ctx;
  atomic_store(&pool_pending, pool_threads - 1);
  pthread_mutex_lock(&pool_mutex);
  atomic_fetch_add_explicit(&pool_generation, 1, memory_order_release);
  if (pool_sleepers > 0) pthread_cond_broadcast(&pool_start);
  pthread_mutex_unlock(&pool_mutex);
  fn(ctx, 0, pool_threads);
  for (int i = 0; i < POOL_SPIN && atomic_load_explicit(&pool_pending, memory_order_acquire) > 0; i++) cpu_relax();
  if (atomic_load_explicit(&pool_pending, memory_order_acquire) > 0) {
    pthread_mutex_lock(&pool_mutex);
    pool_caller_sleeps = 1;
    while (atomic_load(&pool_pending) > 0) pthread_cond_wait(&pool_done, &pool_mutex);
    pool_caller_sleeps = 0;
    pthread_mutex_unlock(&pool_mutex);
  }
  pthread_mutex_unlock(&pool_busy);
}
