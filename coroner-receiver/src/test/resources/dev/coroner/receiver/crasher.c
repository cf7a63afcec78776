/*
 * The crashing program of the receiver's integration tests. It forks; the child touches some
 * heap (so the core is bigger than the kernel's socket buffer) and waits for its stdin to close,
 * then dereferences NULL (SIGSEGV). The parent prints the child's pid, reaps it and prints how it
 * ended, WCOREDUMP included:
 *   child 1234
 *   signaled=1 signal=11 core=1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) {
    perror("fork");
    return 2;
  }
  if (child == 0) {
    char *heap = malloc(1 << 20);
    if (heap != NULL) {
      memset(heap, 0x5a, 1 << 20);
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
