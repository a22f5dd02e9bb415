// A minimal fork-join pool (pool.h): the calling thread runs part 0, workers run parts
// 1..threads-1. Jobs are serialised, so the addon may be called from several JS threads.
#include "pool.h"
#include <pthread.h>
#include <stdint.h>

static pthread_mutex_t pool_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_start = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER;
// Serialises jobs when the addon is used from several JS threads (worker_threads).
static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER;
static pthread_t pool_workers[MAX_THREADS];
int pool_threads = 1;
static unsigned long pool_generation = 0;
static int pool_pending = 0;
static int pool_stopping = 0;
// Generation at which the current workers were started; they wait for the next one.
static unsigned long pool_born = 0;
static part_fn pool_fn = NULL;
static void *pool_ctx = NULL;

static void *pool_worker(void *arg) {
  int part = (int)(intptr_t)arg;
  pthread_mutex_lock(&pool_mutex);
  unsigned long seen = pool_born;
  for (;;) {
    while (pool_generation == seen && !pool_stopping) pthread_cond_wait(&pool_start, &pool_mutex);
    if (pool_stopping) break;
    seen = pool_generation;
    part_fn fn = pool_fn;
    void *ctx = pool_ctx;
    int parts = pool_threads;
    pthread_mutex_unlock(&pool_mutex);
    fn(ctx, part, parts);
    pthread_mutex_lock(&pool_mutex);
    if (--pool_pending == 0) pthread_cond_signal(&pool_done);
  }
  pthread_mutex_unlock(&pool_mutex);
  return NULL;
}

static void pool_stop(void) {
  pthread_mutex_lock(&pool_mutex);
  pool_stopping = 1;
  pthread_cond_broadcast(&pool_start);
  pthread_mutex_unlock(&pool_mutex);
  for (int i = 1; i < pool_threads; i++) pthread_join(pool_workers[i], NULL);
  pool_stopping = 0;
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
    pthread_mutex_lock(&pool_mutex);
    pool_born = pool_generation;
    for (int i = 1; i < threads; i++) {
      if (pthread_create(&pool_workers[i], NULL, pool_worker, (void *)(intptr_t)i) != 0) break;
      started++;
    }
    pool_threads = started;
    pthread_mutex_unlock(&pool_mutex);
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
  pthread_mutex_lock(&pool_mutex);
  pool_fn = fn;
  pool_ctx = ctx;
  pool_pending = pool_threads - 1;
  pool_generation++;
  pthread_cond_broadcast(&pool_start);
  int parts = pool_threads;
  pthread_mutex_unlock(&pool_mutex);
  fn(ctx, 0, parts);
  pthread_mutex_lock(&pool_mutex);
  while (pool_pending > 0) pthread_cond_wait(&pool_done, &pool_mutex);
  pthread_mutex_unlock(&pool_mutex);
  pthread_mutex_unlock(&pool_busy);
}
