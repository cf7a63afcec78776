/* Holds secrets on its heap, its stack and in its environment, then aborts (SIGABRT) in
 * crash_now <- parse_card <- handle_request <- main, so that the backtrace starts in libc. The secrets come from stdin and the
 * environment, never from literals: read-only data is not scrubbed, and no test should depend
 * on what the compiler keeps there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *heap_copy;
static char *env_copy;

static void crash_now(const char *line) {
  if (line[0] != '\0') {
    abort();
  }
}

static void parse_card(const char *line) {
  char stack_copy[1024];
  strncpy(stack_copy, line, sizeof stack_copy - 1);
  stack_copy[sizeof stack_copy - 1] = '\0';
  crash_now(stack_copy);
}

static void handle_request(const char *line) {
  heap_copy = strdup(line);
  parse_card(line);
}

int main(void) {
  char line[2048];
  size_t n = fread(line, 1, sizeof line - 1, stdin);
  line[n] = '\0';
  const char *db = getenv("DB_PASSWORD");
  env_copy = strdup(db != NULL ? db : "");
  handle_request(line);
  return 0;
}
