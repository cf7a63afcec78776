package dev.coroner.snapshot;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.snapshot.sys.Ptrace;
import java.nio.file.Path;

/**
 * The checks made before a thread is touched: the process exists and is a process (not a thread, a
 * kernel thread, a zombie or coroner itself), nobody traces it already, and this JVM can trace.
 */
final class Preflight {
  private static final long PF_KTHREAD = 0x00200000;

  private Preflight() {}

  static ProcFacts check(Ptrace ptrace, Path procRoot, int pid, SnapshotMethod method)
      throws SnapshotException {
    if (pid <= 0) {
      throw new SnapshotException(ExitCode.USAGE, "a PID is a positive number, not " + pid);
    }
    if (!ptrace.unavailableReason().isEmpty()) {
      throw new SnapshotException(ExitCode.USAGE, ptrace.unavailableReason());
    }
    ProcFacts p = ProcFacts.of(procRoot, pid);
    if (!p.exists()) {
      throw new SnapshotException(
          ExitCode.NOT_FOUND, "no process " + pid + " on this host; 'ps -e' lists the processes");
    }
    long tgid = p.statusNumber("Tgid", pid);
    if (tgid != pid) {
      throw new SnapshotException(
          ExitCode.USAGE,
          pid
              + " is a thread of process "
              + tgid
              + "; snapshot the process: coroner snapshot "
              + tgid);
    }
    if ((p.statNumber(9) & PF_KTHREAD) != 0) {
      throw new SnapshotException(
          ExitCode.USAGE, "process " + pid + " is a kernel thread: it has no user memory to dump");
    }
    char state = p.state();
    if (state == 'Z' || state == 'X') {
      throw new SnapshotException(
          ExitCode.PROCESS_EXITED, "process " + pid + " has exited (a zombie); nothing to dump");
    }
    long self = ProcessHandle.current().pid();
    if (pid == self) {
      throw new SnapshotException(ExitCode.USAGE, "coroner cannot snapshot itself");
    }
    if (p.statusNumber("PPid", 0) == self) {
      // The JDK's process reaper waits on its children and would take their ptrace stops.
      throw new SnapshotException(
          ExitCode.USAGE,
          "process " + pid + " is a child of this coroner; start it from elsewhere (a shell)");
    }
    long tracer = p.statusNumber("TracerPid", 0);
    if (tracer != 0) {
      String comm = ProcFacts.of(procRoot, (int) tracer).comm();
      throw new SnapshotException(
          ExitCode.SNAPSHOT_REFUSED,
          "process "
              + pid
              + " is already traced by process "
              + tracer
              + (comm.isEmpty() ? "" : " (" + comm + ")")
              + ": a process has one tracer at a time; detach that debugger or strace, then retry");
    }
    if (method == SnapshotMethod.FORK && p.statusNumber("Seccomp", 0) == 1) {
      throw new SnapshotException(
          ExitCode.SNAPSHOT_REFUSED,
          "process "
              + pid
              + " runs in strict seccomp mode, where a fork would kill it; use --method stop");
    }
    return p;
  }
}
