/*
 * One bug (a write through NULL in crash_write) reached by two callers:
 *
 *   crash_write <- store_record <- handle_request <- path_alpha|path_beta <- main|worker
 *
 * The top three frames are the same for both callers (one coarse signature3); the fourth differs
 * (two full signatures). "thread" runs it on a third thread while two others wait, so that the
 * crashing thread is not the first one.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct record {
  int id;
  char name[32];
};

__attribute__((noinline)) void crash_write(struct record *r, int id) {
  r->id = id; /* the bug: r is NULL */
}

__attribute__((noinline)) void store_record(struct record *r, int id) {
  crash_write(r, id);
  __asm__ volatile("");
}

__attribute__((noinline)) void handle_request(int id) {
  struct record *r = id > 0 ? NULL : malloc(sizeof *r);
  store_record(r, id);
  __asm__ volatile("");
}

__attribute__((noinline)) void path_alpha(void) {
  handle_request(1);
  __asm__ volatile("");
}

__attribute__((noinline)) void path_beta(void) {
  handle_request(2);
  __asm__ volatile("");
}

static void *idle(void *arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

static void *worker(void *arg) {
  if (strcmp(arg, "beta") == 0) path_beta(); else path_alpha();
  return NULL;
}

int main(int argc, char **argv) {
  const char *which = argc > 1 ? argv[1] : "alpha";
  if (argc > 2 && strcmp(argv[2], "thread") == 0) {
    pthread_t a, b, w;
    pthread_create(&a, NULL, idle, NULL);
    pthread_create(&b, NULL, idle, NULL);
    usleep(20000);
    pthread_create(&w, NULL, worker, (void *)which);
    pthread_join(w, NULL);
    return 0;
  }
  if (strcmp(which, "beta") == 0) path_beta(); else path_alpha();
  return 0;
}
