/*
 * The crashing program of the receiver's integration tests. It forks; the child touches some
 * heap (1 MiB, or argv[1] MiB, so the core is bigger than the kernel's socket buffer) and waits
 * for its stdin to close, then dereferences NULL (SIGSEGV). The parent prints the child's pid (in
 * its own pid namespace), reaps it and prints how it ended, WCOREDUMP included:
 *   child 1234
 *   signaled=1 signal=11 core=1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 1;
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) {
    perror("fork");
    return 2;
  }
  if (child == 0) {
    char *heap = malloc(mib << 20);
    if (heap != NULL) {
      /* varied bytes, so the core does not compress to nothing */
      for (size_t i = 0; i < (mib << 20); i++) {
        heap[i] = (char)(i * 2654435761u >> 13);
      }
    }
    char c;
    while (read(0, &c, 1) > 0) {
    }
    *(volatile int *)0 = 1;
    return 3;
  }
  printf("child %d\n", (int)child);
  fflush(stdout);
  int status;
  if (waitpid(child, &status, 0) < 0) {
    perror("waitpid");
    return 2;
  }
  int signaled = WIFSIGNALED(status);
  printf("signaled=%d signal=%d core=%d\n", signaled, signaled ? WTERMSIG(status) : 0,
         signaled && WCOREDUMP(status) ? 1 : 0);
  return 0;
}
