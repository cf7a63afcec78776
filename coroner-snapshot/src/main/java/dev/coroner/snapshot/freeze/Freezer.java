package dev.coroner.snapshot.freeze;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.snapshot.core.ThreadRegisters;
import dev.coroner.snapshot.sys.ErrnoException;
import dev.coroner.snapshot.sys.Ptrace;
import dev.coroner.snapshot.sys.WaitStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Stops every thread of one process with {@code PTRACE_SEIZE} + {@code PTRACE_INTERRUPT}, copies
 * their registers and lets them go again with {@code PTRACE_DETACH}. Threads started while others
 * were being stopped are found by listing {@code /proc/PID/task} again until the list holds still.
 * A signal that arrived during the freeze (a signal-delivery stop) is handed back at detach, so the
 * process loses nothing. Not thread-safe: one platform thread is the tracer of every tracee.
 */
public final class Freezer {
  private static final int XSTATE_MAX = 32 << 10;
  private static final int FP_SIZE = 512;

  /** One thread's ptrace state. */
  static final class Tracee {
    final int tid;
    boolean stopped;
    boolean gone;
    final List<Integer> pendingSignals = new ArrayList<>();

    Tracee(int tid) {
      this.tid = tid;
    }

    /** Stopped by our interrupt with nothing pending: safe to run an injected call in. */
    boolean clean() {
      return stopped && !gone && pendingSignals.isEmpty();
    }
  }

  private final Ptrace ptrace;
  private final Path procRoot;
  private final int pid;
  private final long stopTimeoutNanos;
  private final Map<Integer, Tracee> tracees = new LinkedHashMap<>();
  private final Map<Integer, WaitStatus> stash = new LinkedHashMap<>();
  private long firstStopNanos;

  public Freezer(Ptrace ptrace, Path procRoot, int pid, long stopTimeoutNanos) {
    this.ptrace = ptrace;
    this.procRoot = procRoot;
    this.pid = pid;
    this.stopTimeoutNanos = stopTimeoutNanos;
  }

  /** The process it freezes. */
  public int pid() {
    return pid;
  }

  Ptrace ptrace() {
    return ptrace;
  }

  /** Seizes and stops every thread; on failure nothing stays seized. */
  public void stopAll() throws FreezeException {
    long deadline = System.nanoTime() + stopTimeoutNanos;
    try {
      while (true) {
        boolean added = false;
        for (int tid : tasks()) {
          if (!tracees.containsKey(tid) && seize(tid)) {
            added = true;
          }
        }
        awaitStops(deadline);
        if (!added) {
          break;
        }
      }
      Tracee leader = tracees.get(pid);
      if (leader == null || leader.gone) {
        if (live().isEmpty()) {
          throw new FreezeException(
              ExitCode.PROCESS_EXITED, "process " + pid + " exited while it was being stopped");
        }
      }
    } catch (FreezeException | RuntimeException e) {
      release();
      throw e;
    }
  }

  /**
   * Stops one thread only (the main thread, or another if it has exited): enough to run an injected
   * call while the rest of the process runs on.
   */
  public void stopOne(int preferred) throws FreezeException {
    try {
      List<Integer> all = tasks();
      if (all.isEmpty()) {
        throw new FreezeException(ExitCode.PROCESS_EXITED, "process " + pid + " has exited");
      }
      List<Integer> order = new ArrayList<>(all);
      order.remove(Integer.valueOf(preferred));
      if (all.contains(preferred)) {
        order.add(0, preferred);
      }
      for (int tid : order) {
        if (seize(tid)) {
          awaitStops(deadline());
          if (!live().isEmpty()) {
            return;
          }
        }
      }
      throw new FreezeException(ExitCode.PROCESS_EXITED, "process " + pid + " has exited");
    } catch (FreezeException | RuntimeException e) {
      release();
      throw e;
    }
  }

  /** The stopped threads, the main thread first. */
  public List<Integer> live() {
    List<Integer> out = new ArrayList<>();
    Tracee leader = tracees.get(pid);
    if (leader != null && !leader.gone) {
      out.add(pid);
    }
    for (Tracee t : tracees.values()) {
      if (!t.gone && t.tid != pid) {
        out.add(t.tid);
      }
    }
    return out;
  }

  /** A thread to run an injected call in: the main thread if it is clean, else another. */
  public int injectionThread() throws FreezeException {
    Tracee leader = tracees.get(pid);
    if (leader != null && leader.clean()) {
      return pid;
    }
    for (Tracee t : tracees.values()) {
      if (t.clean()) {
        return t.tid;
      }
    }
    for (int tid : live()) {
      return tid;
    }
    throw new FreezeException(ExitCode.PROCESS_EXITED, "process " + pid + " has no thread left");
  }

  /**
   * Every stopped thread's registers, the main thread first. A thread that died meanwhile is left
   * out; if none is left, the process has exited.
   */
  public List<ThreadRegisters> registers() throws FreezeException {
    List<ThreadRegisters> out = new ArrayList<>();
    for (int tid : live()) {
      try {
        byte[] general = ptrace.getRegset(tid, Ptrace.NT_PRSTATUS, ThreadRegisters.GENERAL_SIZE);
        byte[] fp = optionalRegset(tid, Ptrace.NT_PRFPREG, FP_SIZE);
        byte[] xstate = optionalRegset(tid, Ptrace.NT_X86_XSTATE, XSTATE_MAX);
        out.add(new ThreadRegisters(tid, general, fp, xstate));
      } catch (ErrnoException e) {
        if (e.errno() != ErrnoException.ESRCH) {
          throw new FreezeException(
              ExitCode.FAILURE,
              "cannot read the registers of thread " + tid + ": " + e.getMessage());
        }
        Objects.requireNonNull(tracees.get(tid), "a live thread is a tracee").gone = true;
      }
    }
    if (out.isEmpty()) {
      throw new FreezeException(
          ExitCode.PROCESS_EXITED, "process " + pid + " exited while it was stopped");
    }
    return out;
  }

  private byte @Nullable [] optionalRegset(int tid, int type, int max) throws ErrnoException {
    try {
      return ptrace.getRegset(tid, type, max);
    } catch (ErrnoException e) {
      if (e.errno() == ErrnoException.ESRCH) {
        throw e;
      }
      return null; // the CPU or kernel has no such set (EINVAL/ENODEV)
    }
  }

  /** Records a signal that reached {@code tid} during an injected call, to hand back at detach. */
  void addPendingSignal(int tid, int signal) {
    Tracee t = tracees.get(tid);
    if (t != null) {
      t.pendingSignals.add(signal);
    }
  }

  void markGone(int tid) {
    Tracee t = tracees.get(tid);
    if (t != null) {
      t.gone = true;
    }
  }

  /**
   * Lets every thread go: detaches each stopped one with the signal it was about to receive (a
   * second signal is sent again with tgkill). Never throws; a thread that never stopped (stuck in
   * the kernel) stays seized until the tracer thread exits, when the kernel detaches it.
   */
  public List<String> release() {
    List<String> problems = new ArrayList<>();
    long deadline = System.nanoTime() + stopTimeoutNanos;
    try {
      awaitStops(deadline);
    } catch (FreezeException e) {
      problems.add(e.getMessage());
    }
    for (Tracee t : tracees.values()) {
      if (t.gone || !t.stopped) {
        continue;
      }
      int first = t.pendingSignals.isEmpty() ? 0 : t.pendingSignals.get(0);
      try {
        ptrace.detach(t.tid, first);
        for (int i = 1; i < t.pendingSignals.size(); i++) {
          ptrace.tgkill(pid, t.tid, t.pendingSignals.get(i));
        }
      } catch (ErrnoException e) {
        if (e.errno() != ErrnoException.ESRCH) {
          problems.add("thread " + t.tid + ": " + e.getMessage());
        }
      }
      t.gone = true;
    }
    tracees.clear();
    return problems;
  }

  private boolean seize(int tid) throws FreezeException {
    try {
      ptrace.seize(tid, 0);
    } catch (ErrnoException e) {
      if (e.errno() == ErrnoException.ESRCH || zombie(tid)) {
        return false; // exited between the listing and the seize
      }
      if (e.errno() == ErrnoException.EPERM || e.errno() == ErrnoException.EACCES) {
        throw new FreezeException(
            ExitCode.SNAPSHOT_REFUSED, PtraceRefusal.explain(procRoot, pid, e));
      }
      throw new FreezeException(
          ExitCode.FAILURE, "cannot trace thread " + tid + ": " + e.getMessage());
    }
    Tracee t = new Tracee(tid);
    tracees.put(tid, t);
    try {
      if (firstStopNanos == 0) {
        firstStopNanos = System.nanoTime();
      }
      ptrace.interrupt(tid);
    } catch (ErrnoException e) {
      t.gone = true;
    }
    return true;
  }

  /** Waits until every seized thread is stopped or gone. */
  private void awaitStops(long deadline) throws FreezeException {
    // Plain loops, no streams: this runs while the process is stopped, often in a cold JVM.
    while (anyRunning()) {
      WaitStatus w = next(-1, deadline);
      if (w == null) {
        for (Tracee t : tracees.values()) {
          if (!t.stopped) {
            t.gone = true;
          }
        }
        return;
      }
      record(w);
    }
  }

  /**
   * The next wait status of {@code tid} (-1: of any seized thread); statuses of other tracees (an
   * injected call's child) are kept for their own {@code next}. Null when this thread has no tracee
   * left (ECHILD).
   */
  @Nullable WaitStatus next(int tid, long deadline) throws FreezeException {
    if (tid > 0 && stash.containsKey(tid)) {
      return stash.remove(tid);
    }
    int spins = 0;
    while (true) {
      WaitStatus w;
      try {
        w = ptrace.waitFor(tid, true);
      } catch (ErrnoException e) {
        if (e.errno() == ErrnoException.ECHILD) {
          return null;
        }
        throw new FreezeException(ExitCode.FAILURE, e.getMessage());
      }
      if (w != null) {
        if (tid == -1 && !tracees.containsKey(w.tid())) {
          stash.put(w.tid(), w);
          continue;
        }
        return w;
      }
      if (System.nanoTime() > deadline) {
        throw new FreezeException(
            ExitCode.FAILURE,
            "thread(s) "
                + (tid > 0 ? List.of(tid) : running())
                + " of process "
                + pid
                + " did not stop within "
                + stopTimeoutNanos / 1_000_000
                + " ms (stuck in the kernel, state D?); the snapshot was abandoned");
      }
      // The stops usually come within microseconds: spin a little, then sleep briefly.
      if (++spins > 200) {
        LockSupport.parkNanos(50_000);
      } else {
        Thread.onSpinWait();
      }
    }
  }

  private boolean anyRunning() {
    for (Tracee t : tracees.values()) {
      if (!t.stopped && !t.gone) {
        return true;
      }
    }
    return false;
  }

  private List<Integer> running() {
    List<Integer> out = new ArrayList<>();
    for (Tracee t : tracees.values()) {
      if (!t.stopped && !t.gone) {
        out.add(t.tid);
      }
    }
    return out;
  }

  /**
   * Runs every ptrace and wait call once on no process (tid 0: ESRCH), so that the first real
   * calls, made while the process is stopped, do not pay for linking and class loading.
   */
  public static void warmUp(Ptrace ptrace) {
    try {
      ptrace.waitFor(-1, true);
    } catch (ErrnoException e) {
      // ECHILD: no tracee, as expected
    }
    Runnable[] calls = {
      () -> ignore(() -> ptrace.seize(0, 0)),
      () -> ignore(() -> ptrace.interrupt(0)),
      () -> ignore(() -> ptrace.getRegset(0, Ptrace.NT_PRSTATUS, ThreadRegisters.GENERAL_SIZE)),
      () ->
          ignore(
              () ->
                  ptrace.setRegset(0, Ptrace.NT_PRSTATUS, new byte[ThreadRegisters.GENERAL_SIZE])),
      () -> ignore(() -> ptrace.setOptions(0, 0)),
      () -> ignore(() -> ptrace.singleStep(0, 0)),
      () -> ignore(() -> ptrace.eventMessage(0)),
      () -> ignore(() -> ptrace.detach(0, 0)),
      () -> ignore(() -> ptrace.kill((int) ProcessHandle.current().pid(), 0)),
    };
    for (Runnable r : calls) {
      r.run();
    }
    // Load and run once what the freeze uses, so that no class is loaded while it lasts.
    byte[] regs = ThreadRegisters.with(new byte[ThreadRegisters.GENERAL_SIZE], 0, 1);
    ThreadRegisters.get(regs, 0);
    WaitStatus w = new WaitStatus(0, 0x137f);
    if (w.signalDelivery() && w.event() == 0 && !w.gone()) {
      new Tracee(0).pendingSignals.add(w.stopSignal());
    }
    String unused =
        new FreezeException(dev.coroner.base.exit.ExitCode.FAILURE, "warm-up").getMessage();
    new ErrnoException("warm-up", ErrnoException.ESRCH).errno();
    ForkedCopy.warmUp();
  }

  private interface Call {
    void run() throws ErrnoException;
  }

  private static void ignore(Call c) {
    try {
      c.run();
    } catch (ErrnoException e) {
      // expected: there is no thread 0
    }
  }

  /** When the first thread was asked to stop ({@link System#nanoTime}), or 0 before. */
  public long firstStopNanos() {
    return firstStopNanos;
  }

  /** A deadline {@code stopTimeout} from now, for {@link #next}. */
  long deadline() {
    return System.nanoTime() + stopTimeoutNanos;
  }

  private void record(WaitStatus w) throws FreezeException {
    Tracee t = tracees.get(w.tid());
    if (t == null) {
      return; // another tracee of this thread (an injected call's child): not ours to judge
    }
    if (w.gone()) {
      t.gone = true;
    } else if (w.event() == Ptrace.EVENT_EXEC) {
      t.stopped = true;
      throw new FreezeException(
          ExitCode.PROCESS_EXITED,
          "process " + pid + " ran a new program (execve) during the snapshot; try again");
    } else if (w.signalDelivery()) {
      t.pendingSignals.add(w.stopSignal());
      t.stopped = true;
    } else {
      t.stopped = true;
    }
  }

  private List<Integer> tasks() throws FreezeException {
    TreeSet<Integer> tids = new TreeSet<>();
    try (var s = Files.list(procRoot.resolve(pid + "/task"))) {
      s.forEach(p -> tids.add(Integer.parseInt(p.getFileName().toString())));
    } catch (NoSuchFileException e) {
      // The checks before saw the process: it is gone since.
      if (tracees.isEmpty()) {
        throw new FreezeException(
            ExitCode.PROCESS_EXITED, "process " + pid + " exited before it could be stopped");
      }
    } catch (IOException | RuntimeException e) {
      if (tracees.isEmpty()) {
        throw new FreezeException(ExitCode.FAILURE, "cannot list the threads of " + pid + ": " + e);
      }
    }
    return new ArrayList<>(tids);
  }

  private boolean zombie(int tid) {
    try {
      for (String line : Files.readAllLines(procRoot.resolve(pid + "/task/" + tid + "/status"))) {
        if (line.startsWith("State:")) {
          return line.contains("Z") || line.contains("X");
        }
      }
    } catch (IOException | RuntimeException e) {
      return true; // gone
    }
    return false;
  }
}
