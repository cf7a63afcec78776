package dev.coroner.snapshot.sys;

import org.jspecify.annotations.Nullable;

/**
 * The ptrace and wait calls a snapshot needs, one method per call (ptrace(2), waitpid(2)). A tracer
 * is a thread, not a process: every call for one tracee must come from the same platform thread,
 * the one that seized it.
 */
public interface Ptrace {
  int PTRACE_SINGLESTEP = 9;
  int PTRACE_DETACH = 17;
  int PTRACE_SETOPTIONS = 0x4200;
  int PTRACE_GETEVENTMSG = 0x4201;
  int PTRACE_GETREGSET = 0x4204;
  int PTRACE_SETREGSET = 0x4205;
  int PTRACE_SEIZE = 0x4206;
  int PTRACE_INTERRUPT = 0x4207;

  long O_TRACECLONE = 0x8;
  long O_EXITKILL = 0x100000;

  int EVENT_CLONE = 3;
  int EVENT_EXEC = 4;
  int EVENT_STOP = 128;

  int NT_PRSTATUS = 1;
  int NT_PRFPREG = 2;
  int NT_X86_XSTATE = 0x202;

  int SIGKILL = 9;
  int SIGTRAP = 5;

  /** Why this JVM cannot trace (Java 17, another OS, native access denied); "" when it can. */
  String unavailableReason();

  /** {@code PTRACE_SEIZE}: attach without stopping the thread. */
  void seize(int tid, long options) throws ErrnoException;

  /** {@code PTRACE_INTERRUPT}: stop a seized thread (reported as a {@code PTRACE_EVENT_STOP}). */
  void interrupt(int tid) throws ErrnoException;

  /** {@code PTRACE_SETOPTIONS}. */
  void setOptions(int tid, long options) throws ErrnoException;

  /** {@code PTRACE_GETREGSET}: the register set {@code type}, at most {@code maxSize} bytes. */
  byte[] getRegset(int tid, int type, int maxSize) throws ErrnoException;

  /** {@code PTRACE_SETREGSET}. */
  void setRegset(int tid, int type, byte[] regs) throws ErrnoException;

  /** {@code PTRACE_SINGLESTEP}, delivering {@code signal} (0 for none). */
  void singleStep(int tid, int signal) throws ErrnoException;

  /** {@code PTRACE_DETACH}: resume the stopped thread, delivering {@code signal} (0 for none). */
  void detach(int tid, int signal) throws ErrnoException;

  /** {@code PTRACE_GETEVENTMSG}: the new task's id after a clone event. */
  long eventMessage(int tid) throws ErrnoException;

  /**
   * {@code waitpid(tid, __WALL | __WNOTHREAD [| WNOHANG])}: the next status of a tracee of this
   * thread ({@code tid} -1: any), or null with {@code noHang} when none is ready. EINTR is retried.
   */
  @Nullable WaitStatus waitFor(int tid, boolean noHang) throws ErrnoException;

  /** {@code kill(2)}. */
  void kill(int pid, int signal) throws ErrnoException;

  /** {@code tgkill(2)}: a signal to one thread. */
  void tgkill(int tgid, int tid, int signal) throws ErrnoException;

  /** The calls of this JVM: FFM on Java 22+ (the multi-release jar), else a stub that says why. */
  static Ptrace system() {
    return NativePtrace.load();
  }
}
