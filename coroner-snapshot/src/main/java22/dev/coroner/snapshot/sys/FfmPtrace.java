package dev.coroner.snapshot.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.jspecify.annotations.Nullable;

/**
 * The calls as FFM downcalls into libc. errno is captured by the linker (the JVM may overwrite it
 * before Java code runs). glibc declares ptrace variadic ({@code long ptrace(int request, ...)}),
 * and the x86_64 ABI passes variadic arguments differently, so its handle names the first variadic
 * argument.
 */
@SuppressWarnings(
    "restricted") // downcallHandle is restricted: the jar's users enable native access
final class FfmPtrace implements Ptrace {
  private static final int WNOHANG = 1;
  private static final int WNOTHREAD = 0x20000000;
  private static final int WALL = 0x40000000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
  private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final long ERRNO_OFFSET =
      CAPTURE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

  private final ThreadLocal<MemorySegment> capture =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

  private final MethodHandle ptrace =
      LINKER.downcallHandle(
          symbol("ptrace"),
          FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
          ERRNO,
          Linker.Option.firstVariadicArg(1));
  private final MethodHandle waitpid =
      LINKER.downcallHandle(
          symbol("waitpid"), FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
  private final MethodHandle kill =
      LINKER.downcallHandle(
          symbol("kill"), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
  private final MethodHandle tgkill =
      LINKER.downcallHandle(
          symbol("tgkill"), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);

  private static MemorySegment symbol(String name) {
    return LINKER
        .defaultLookup()
        .find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
  }

  @Override
  public String unavailableReason() {
    return "";
  }

  @Override
  public void seize(int tid, long options) throws ErrnoException {
    ptrace("PTRACE_SEIZE(" + tid + ")", PTRACE_SEIZE, tid, 0, options);
  }

  @Override
  public void interrupt(int tid) throws ErrnoException {
    ptrace("PTRACE_INTERRUPT(" + tid + ")", PTRACE_INTERRUPT, tid, 0, 0);
  }

  @Override
  public void setOptions(int tid, long options) throws ErrnoException {
    ptrace("PTRACE_SETOPTIONS(" + tid + ")", PTRACE_SETOPTIONS, tid, 0, options);
  }

  @Override
  public byte[] getRegset(int tid, int type, int maxSize) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(maxSize, 64);
      MemorySegment iov = arena.allocate(16, 8);
      iov.set(JAVA_LONG, 0, buf.address());
      iov.set(JAVA_LONG, 8, maxSize);
      ptrace(
          "PTRACE_GETREGSET(" + tid + ", " + type + ")",
          PTRACE_GETREGSET,
          tid,
          type,
          iov.address());
      long len = iov.get(JAVA_LONG, 8);
      return buf.asSlice(0, len).toArray(JAVA_BYTE);
    }
  }

  @Override
  public void setRegset(int tid, int type, byte[] regs) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(regs.length, 64);
      MemorySegment.copy(regs, 0, buf, JAVA_BYTE, 0, regs.length);
      MemorySegment iov = arena.allocate(16, 8);
      iov.set(JAVA_LONG, 0, buf.address());
      iov.set(JAVA_LONG, 8, regs.length);
      ptrace(
          "PTRACE_SETREGSET(" + tid + ", " + type + ")",
          PTRACE_SETREGSET,
          tid,
          type,
          iov.address());
    }
  }

  @Override
  public void singleStep(int tid, int signal) throws ErrnoException {
    ptrace("PTRACE_SINGLESTEP(" + tid + ")", PTRACE_SINGLESTEP, tid, 0, signal);
  }

  @Override
  public void detach(int tid, int signal) throws ErrnoException {
    ptrace("PTRACE_DETACH(" + tid + ")", PTRACE_DETACH, tid, 0, signal);
  }

  @Override
  public long eventMessage(int tid) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment msg = arena.allocate(JAVA_LONG);
      ptrace("PTRACE_GETEVENTMSG(" + tid + ")", PTRACE_GETEVENTMSG, tid, 0, msg.address());
      return msg.get(JAVA_LONG, 0);
    }
  }

  @Override
  public @Nullable WaitStatus waitFor(int tid, boolean noHang) throws ErrnoException {
    int flags = WALL | WNOTHREAD | (noHang ? WNOHANG : 0);
    MemorySegment cap = capture.get();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment status = arena.allocate(JAVA_INT);
      while (true) {
        int r;
        try {
          r = (int) waitpid.invokeExact(cap, tid, status, flags);
        } catch (Throwable t) {
          throw rethrow(t);
        }
        if (r > 0) {
          return new WaitStatus(r, status.get(JAVA_INT, 0));
        }
        if (r == 0) {
          return null;
        }
        int errno = cap.get(JAVA_INT, ERRNO_OFFSET);
        if (errno != ErrnoException.EINTR) {
          throw new ErrnoException("waitpid(" + tid + ")", errno);
        }
      }
    }
  }

  @Override
  public void kill(int pid, int signal) throws ErrnoException {
    MemorySegment cap = capture.get();
    int r;
    try {
      r = (int) kill.invokeExact(cap, pid, signal);
    } catch (Throwable t) {
      throw rethrow(t);
    }
    if (r < 0) {
      throw new ErrnoException(
          "kill(" + pid + ", " + signal + ")", cap.get(JAVA_INT, ERRNO_OFFSET));
    }
  }

  @Override
  public void tgkill(int tgid, int tid, int signal) throws ErrnoException {
    MemorySegment cap = capture.get();
    int r;
    try {
      r = (int) tgkill.invokeExact(cap, tgid, tid, signal);
    } catch (Throwable t) {
      throw rethrow(t);
    }
    if (r < 0) {
      throw new ErrnoException(
          "tgkill(" + tid + ", " + signal + ")", cap.get(JAVA_INT, ERRNO_OFFSET));
    }
  }

  private long ptrace(String what, int request, int tid, long addr, long data)
      throws ErrnoException {
    MemorySegment cap = capture.get();
    long r;
    try {
      r = (long) ptrace.invokeExact(cap, request, tid, addr, data);
    } catch (Throwable t) {
      throw rethrow(t);
    }
    if (r == -1) {
      int errno = cap.get(JAVA_INT, ERRNO_OFFSET);
      if (errno != 0) {
        throw new ErrnoException(what, errno);
      }
    }
    return r;
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException e) {
      return e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    // invokeExact declares Throwable; a downcall throws nothing checked.
    return new IllegalStateException(t);
  }
}
