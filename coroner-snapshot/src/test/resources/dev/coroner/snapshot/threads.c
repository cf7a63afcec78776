// A multi-threaded victim: N worker threads, each parked in its own function with its own stack,
// an optional heap of M MiB filled with data, "ready PID" once every worker is inside its function
// (so that a snapshot taken after it finds each one there), and a 1 ms heartbeat on the main
// thread that prints
// "gap N ms" whenever the longest gap grows and "pause N ms at T" (T in epoch ms) for every gap
// of 5 ms or more: the freeze a snapshot caused, seen from inside.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile long sink;
static int arrived;

// Called first thing in each worker function: main says "ready" once all of them have.
static void arrive(void) { __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST); }

static double wall_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

__attribute__((noinline)) static void worker_sleeping(void) {
  arrive();
  for (;;) pause();
}
__attribute__((noinline)) static void worker_spinning(void) {
  arrive();
  for (;;) sink++;
}
__attribute__((noinline)) static void worker_waiting(void) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  pthread_mutex_lock(&m);
  arrive();
  for (;;) pthread_cond_wait(&c, &m);
}
__attribute__((noinline)) static void worker_napping(void) {
  arrive();
  for (;;) usleep(1000);
}

static void *start(void *arg) {
  long i = (long)arg;
  char name[16];
  snprintf(name, sizeof name, "worker-%ld", i);
  pthread_setname_np(pthread_self(), name);
  switch (i % 4) {
    case 0: worker_sleeping(); break;
    case 1: worker_spinning(); break;
    case 2: worker_waiting(); break;
    default: worker_napping(); break;
  }
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 4;
  long mib = argc > 2 ? atol(argv[2]) : 0;
  if (mib > 0) {
    size_t n = (size_t)mib << 20;
    unsigned char *heap = malloc(n);
    for (size_t i = 0; i < n; i += 64) heap[i] = (unsigned char)(i * 2654435761u >> 13);
  }
  pthread_t t;
  for (long i = 0; i < threads; i++) pthread_create(&t, NULL, start, (void *)i);
  while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < threads) usleep(200);
  printf("ready %d\n", getpid());
  fflush(stdout);
  double last = now_ms(), worst = 0;
  for (;;) {
    usleep(1000);
    double n = now_ms();
    if (n - last >= 5) {
      printf("pause %.1f ms at %.0f\n", n - last, wall_ms());
      fflush(stdout);
    }
    if (n - last > worst) {
      worst = n - last;
      printf("gap %.1f ms\n", worst);
      fflush(stdout);
    }
    last = n;
  }
}
