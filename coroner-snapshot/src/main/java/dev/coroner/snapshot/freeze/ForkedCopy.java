package dev.coroner.snapshot.freeze;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.snapshot.sys.ErrnoException;
import dev.coroner.snapshot.sys.Ptrace;
import dev.coroner.snapshot.sys.WaitStatus;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A copy-on-write copy of the stopped process: a child it forks when one of its threads is made to
 * call {@code clone}. The child never runs a single instruction: it is born traced (the injecting
 * thread has PTRACE_O_TRACECLONE) and stopped, so its memory is the process's memory at the moment
 * of the freeze, while the process itself runs on.
 *
 * <p>{@code clone(CLONE_FILES, exit signal 0)}: the child shares the file table instead of holding
 * copies of every descriptor (a socket the process closes meanwhile really closes), and its death
 * sends the process no SIGCHLD. Because its exit signal is 0, only a {@code __WALL} wait reaps it:
 * {@link #reap} makes the process do that once the child is dead, so no zombie is left behind.
 *
 * @param hostPid the child's PID where coroner runs (for /proc and kill)
 * @param nsPid the child's PID in the process's own namespace (for the process's wait4)
 */
public record ForkedCopy(int hostPid, int nsPid, long gadget) {
  private static final long SYS_CLONE = 56;
  private static final long SYS_WAIT4 = 61;
  private static final long CLONE_FILES = 0x400;
  private static final long WNOHANG = 1;
  private static final long WALL = 0x40000000;

  /** Makes the frozen process fork its copy; the threads are still stopped afterwards. */
  public static ForkedCopy fork(Freezer freezer, long gadget) throws FreezeException {
    int pid = freezer.pid();
    int tid = freezer.injectionThread();
    InjectedCall.Result r =
        InjectedCall.run(freezer, tid, gadget, SYS_CLONE, CLONE_FILES, 0, 0, 0, 0);
    if (r.value() < 0 && r.value() > -4096) {
      throw new FreezeException(
          ExitCode.FAILURE,
          "process "
              + pid
              + " could not fork its copy: "
              + ErrnoException.describe((int) -r.value())
              + (r.value() == -ErrnoException.EPERM
                  ? " (a seccomp filter forbids clone)"
                  : " (a memory or pids limit of its cgroup, or vm.overcommit_memory)")
              + "; use --method stop, which stops the process for the whole dump");
    }
    if (r.childHostPid() <= 0) {
      throw new FreezeException(
          ExitCode.INTERNAL, "clone returned " + r.value() + " but ptrace reported no child");
    }
    ForkedCopy copy = new ForkedCopy(r.childHostPid(), (int) r.value(), gadget);
    WaitStatus first;
    try {
      first = freezer.next(r.childHostPid(), freezer.deadline());
    } catch (FreezeException e) {
      copy.kill(freezer.ptrace());
      throw e;
    }
    if (first == null || first.gone()) {
      throw new FreezeException(ExitCode.FAILURE, "the copy of process " + pid + " died at birth");
    }
    return copy;
  }

  /**
   * The address of a {@code syscall} instruction in the process, found before the freeze (the vDSO
   * does not move).
   */
  public static long gadget(Path procRoot, int pid) throws FreezeException {
    java.util.Optional<Long> found;
    try {
      found = SyscallGadget.find(procRoot, pid);
    } catch (java.nio.file.AccessDeniedException e) {
      throw new FreezeException(
          ExitCode.SNAPSHOT_REFUSED,
          PtraceRefusal.explain(
              procRoot,
              pid,
              new ErrnoException("open /proc/" + pid + "/mem", ErrnoException.EPERM)),
          e);
    }
    return found.orElseThrow(
        () ->
            new FreezeException(
                ExitCode.FAILURE,
                "found no syscall instruction in the vDSO or libc of process "
                    + pid
                    + "; use --method stop"));
  }

  /** Loads the classes an injected call uses. */
  static void warmUp() {
    new InjectedCall.Result(0, 0).value();
  }

  /** Kills the copy and collects its exit here (as its tracer); never throws. */
  public void kill(Ptrace ptrace) {
    try {
      ptrace.kill(hostPid, Ptrace.SIGKILL);
    } catch (ErrnoException e) {
      return;
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      try {
        WaitStatus w = ptrace.waitFor(hostPid, false);
        if (w == null || w.gone()) {
          return;
        }
      } catch (ErrnoException e) {
        return;
      }
    }
  }

  /**
   * Makes the process reap its dead copy (wait4 with __WALL in one of its threads, stopped for that
   * call alone). Returns a problem, or null when the zombie is gone.
   */
  public @Nullable String reap(Ptrace ptrace, Path procRoot, int pid, long stopTimeoutNanos) {
    Freezer one = new Freezer(ptrace, procRoot, pid, stopTimeoutNanos);
    try {
      one.stopOne(pid);
      int tid = one.injectionThread();
      InjectedCall.Result r =
          InjectedCall.run(one, tid, gadget, SYS_WAIT4, nsPid, 0, WNOHANG | WALL, 0);
      if (r.value() == nsPid || r.value() == -ErrnoException.ECHILD) {
        return null; // reaped now, or by the process itself
      }
      return "process "
          + pid
          + " did not reap its copy "
          + nsPid
          + " (wait4 said "
          + r.value()
          + ")";
    } catch (FreezeException e) {
      return e.code() == ExitCode.PROCESS_EXITED || e.code() == ExitCode.NOT_FOUND
          ? null // gone: the copy went to init, which reaps it
          : "could not make process " + pid + " reap its copy " + nsPid + ": " + e.getMessage();
    } finally {
      one.release();
    }
  }
}
