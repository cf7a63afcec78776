/*
 * bench/capture.sh's crashing process. Usage: crasher MIB MODE
 *   MODE varied: MIB MiB of varied bytes (the storm's 8 MiB processes)
 *   MODE mix:    MIB MiB in 8 MiB chunks of zeros, text and random bytes, as the synthetic core
 *                of the throughput test (the "same bytes" for the 1 GiB crash)
 * It forks; the child fills its heap, prints "ready PID", waits for its stdin to close, then
 * dereferences NULL (SIGSEGV). The parent reaps it and prints "status PID core=0|1".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *line) {
  ssize_t n = write(1, line, strlen(line));
  (void)n;
}

static void fill_mix(char *heap, size_t size) {
  const size_t chunk = 8u << 20;
  uint64_t x = 88172645463325252ull;
  for (size_t off = 0, i = 0; off < size; off += chunk, i++) {
    size_t n = size - off < chunk ? size - off : chunk;
    char *p = heap + off;
    if (i % 3 == 0) {
      memset(p, 0, n);
    } else if (i % 3 == 1) {
      size_t w = 0;
      for (unsigned line = 1; w < n; line++) {
        char buf[128];
        int len = snprintf(buf, sizeof buf,
                           "%09u  at bar (/app/index.js:13:3) console.log(\"{}\", input); "
                           "throw \"Boom!\"; // hello world\n",
                           line);
        size_t take = (size_t)len < n - w ? (size_t)len : n - w;
        memcpy(p + w, buf, take);
        w += take;
      }
    } else {
      for (size_t j = 0; j + 8 <= n; j += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(p + j, &x, 8);
      }
    }
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    say("usage: crasher MIB varied|mix\n");
    return 2;
  }
  size_t size = (size_t)atol(argv[1]) << 20;
  int mix = strcmp(argv[2], "mix") == 0;
  pid_t child = fork();
  if (child < 0) {
    perror("fork");
    return 2;
  }
  if (child == 0) {
    char *heap = malloc(size);
    if (heap == NULL) {
      perror("malloc");
      _exit(2);
    }
    if (mix) {
      fill_mix(heap, size);
    } else {
      for (size_t i = 0; i < size; i++) {
        heap[i] = (char)(i * 2654435761u >> 13);
      }
    }
    char line[64];
    snprintf(line, sizeof line, "ready %d\n", (int)getpid());
    say(line);
    char c;
    while (read(0, &c, 1) > 0) {
    }
    *(volatile int *)0 = 1;
    _exit(3);
  }
  int status;
  if (waitpid(child, &status, 0) < 0) {
    perror("waitpid");
    return 2;
  }
  char line[64];
  snprintf(line, sizeof line, "status %d core=%d\n", (int)child,
           WIFSIGNALED(status) && WCOREDUMP(status) ? 1 : 0);
  say(line);
  return 0;
}
