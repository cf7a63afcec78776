/* The pod sandbox's process, like Kubernetes' pause: holds the pod's namespaces, reaps orphans
 * (it is PID 1 of the pod's PID namespace) and exits on SIGTERM or SIGINT. Built with -static. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  signal(SIGCHLD, reap);
  for (;;) {
    pause();
  }
}
