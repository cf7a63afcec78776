package dev.coroner.snapshot.freeze;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.snapshot.core.ThreadRegisters;
import dev.coroner.snapshot.sys.ErrnoException;
import dev.coroner.snapshot.sys.Ptrace;
import dev.coroner.snapshot.sys.WaitStatus;

/**
 * Runs one system call inside a stopped thread of the target, as gdb runs an inferior call: its
 * registers are saved, rip is pointed at a {@code syscall} instruction with the call's number and
 * arguments, one {@code PTRACE_SINGLESTEP} runs it, and the saved registers are put back whatever
 * happened. {@code orig_rax} is set to -1 so that the kernel does not "restart" the injected call;
 * the saved {@code orig_rax} and {@code rax} put back make it restart an interrupted call of the
 * thread's own exactly as it would have. While the call runs the thread has {@code
 * PTRACE_O_EXITKILL}: should coroner die half-way, the process is killed rather than left running
 * with foreign registers.
 */
final class InjectedCall {
  /** The result: the call's return value and, for clone, the new task's id on the host. */
  record Result(long value, int childHostPid) {}

  private static final long CALL_TIMEOUT_NANOS = 60_000_000_000L;

  private InjectedCall() {}

  static Result run(Freezer freezer, int tid, long gadget, long nr, long... args)
      throws FreezeException {
    Ptrace pt = freezer.ptrace();
    byte[] saved;
    try {
      saved = pt.getRegset(tid, Ptrace.NT_PRSTATUS, ThreadRegisters.GENERAL_SIZE);
    } catch (ErrnoException e) {
      throw exited(freezer, e);
    }
    byte[] regs = ThreadRegisters.with(saved, ThreadRegisters.RIP, gadget);
    regs = ThreadRegisters.with(regs, ThreadRegisters.RAX, nr);
    regs = ThreadRegisters.with(regs, ThreadRegisters.ORIG_RAX, -1);
    int[] argRegs = {
      ThreadRegisters.RDI,
      ThreadRegisters.RSI,
      ThreadRegisters.RDX,
      ThreadRegisters.R10,
      ThreadRegisters.R8
    };
    for (int i = 0; i < args.length; i++) {
      regs = ThreadRegisters.with(regs, argRegs[i], args[i]);
    }
    int child = 0;
    long value;
    boolean modified = false;
    try {
      pt.setOptions(tid, Ptrace.O_TRACECLONE | Ptrace.O_EXITKILL);
      pt.setRegset(tid, Ptrace.NT_PRSTATUS, regs);
      modified = true;
      pt.singleStep(tid, 0);
      // clone copies the page tables (about 20 ms per GiB): give it far longer than a stop.
      long deadline = System.nanoTime() + CALL_TIMEOUT_NANOS;
      while (true) {
        WaitStatus w = freezer.next(tid, deadline);
        if (w == null || w.gone()) {
          freezer.markGone(tid);
          throw new FreezeException(
              ExitCode.PROCESS_EXITED, "process " + freezer.pid() + " exited during the snapshot");
        }
        if (w.event() == Ptrace.EVENT_CLONE) {
          child = (int) pt.eventMessage(tid);
        } else if (w.signalDelivery() && w.stopSignal() == Ptrace.SIGTRAP) {
          break; // the single step is done
        } else if (w.signalDelivery()) {
          // A signal that came in the meantime: kept, handed back at detach.
          freezer.addPendingSignal(tid, w.stopSignal());
        }
        pt.singleStep(tid, 0);
      }
      byte[] after = pt.getRegset(tid, Ptrace.NT_PRSTATUS, ThreadRegisters.GENERAL_SIZE);
      value = ThreadRegisters.get(after, ThreadRegisters.RAX);
    } catch (ErrnoException e) {
      throw exited(freezer, e);
    } finally {
      try {
        if (modified) {
          pt.setRegset(tid, Ptrace.NT_PRSTATUS, saved);
        }
        pt.setOptions(tid, 0);
      } catch (ErrnoException e) {
        // ESRCH: the thread is gone, and its registers with it
        freezer.markGone(tid);
      }
    }
    return new Result(value, child);
  }

  private static FreezeException exited(Freezer freezer, ErrnoException e) {
    if (e.errno() == ErrnoException.ESRCH) {
      return new FreezeException(
          ExitCode.PROCESS_EXITED, "process " + freezer.pid() + " exited during the snapshot", e);
    }
    return new FreezeException(ExitCode.FAILURE, e.getMessage(), e);
  }
}
