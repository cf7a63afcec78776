// A process that says it must not be dumped or traced (PR_SET_DUMPABLE 0), as a process that
// holds secrets does: without CAP_SYS_PTRACE nobody, not even its own user, may trace it.
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void) {
  prctl(PR_SET_DUMPABLE, 0);
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) pause();
}
