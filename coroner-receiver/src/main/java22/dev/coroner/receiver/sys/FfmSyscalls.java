package dev.coroner.receiver.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The calls as FFM downcalls into libc. errno is captured by the linker (the JVM may overwrite it
 * before Java code runs). ioctl and prctl are variadic in libc, and the x86_64 ABI passes variadic
 * arguments differently, so their handles name the first variadic argument.
 */
@SuppressWarnings(
    "restricted") // downcallHandle is restricted: the jar's users enable native access
final class FfmSyscalls implements Syscalls {
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_NONBLOCK = 0x800;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int O_NONBLOCK = 0x800;
  private static final int O_CLOEXEC = 0x80000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_PEERCRED = 17;
  private static final int SO_PEERPIDFD = 77;
  private static final int PR_GET_DUMPABLE = 3;
  private static final int PR_SET_DUMPABLE = 4;
  private static final int SOCKADDR_UN_SIZE = 110;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
  private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final long ERRNO_OFFSET =
      CAPTURE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

  private final ThreadLocal<MemorySegment> capture =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

  private final MethodHandle socket = link("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
  private final MethodHandle bind = link("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
  private final MethodHandle listen = link("listen", JAVA_INT, JAVA_INT, JAVA_INT);
  private final MethodHandle connect = link("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
  private final MethodHandle accept4 =
      link("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
  private final MethodHandle getsockopt =
      link("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
  private final MethodHandle recv = link("recv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
  private final MethodHandle send = link("send", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
  private final MethodHandle poll = link("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
  private final MethodHandle shutdown = link("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
  private final MethodHandle close = link("close", JAVA_INT, JAVA_INT);
  private final MethodHandle pipe2 = link("pipe2", JAVA_INT, ADDRESS, JAVA_INT);
  private final MethodHandle write = link("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
  private final MethodHandle ioctl =
      linkVariadic("ioctl", 2, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
  private final MethodHandle setns = link("setns", JAVA_INT, JAVA_INT, JAVA_INT);
  private final MethodHandle prctl =
      linkVariadic("prctl", 1, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));

  private static MethodHandle link(String name, MemoryLayout result, MemoryLayout... args) {
    return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(result, args), ERRNO);
  }

  private static MethodHandle linkVariadic(String name, int firstVariadic, FunctionDescriptor fd) {
    return LINKER.downcallHandle(
        symbol(name), fd, ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
  }

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
  public int unixStreamSocket(boolean nonBlocking) throws IOException {
    int type = SOCK_STREAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0);
    return (int) call("socket(AF_UNIX)", cap -> (int) socket.invokeExact(cap, AF_UNIX, type, 0));
  }

  @Override
  public void bind(int fd, String path) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment addr = sockaddr(arena, path);
      int len = (int) addr.byteSize();
      call("bind(" + path + ")", cap -> (int) bind.invokeExact(cap, fd, addr, len));
    }
  }

  @Override
  public void listen(int fd, int backlog) throws IOException {
    call("listen(backlog " + backlog + ")", cap -> (int) listen.invokeExact(cap, fd, backlog));
  }

  @Override
  public void connect(int fd, String path) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment addr = sockaddr(arena, path);
      int len = (int) addr.byteSize();
      call("connect(" + path + ")", cap -> (int) connect.invokeExact(cap, fd, addr, len));
    }
  }

  @Override
  public int accept(int fd) throws IOException {
    MemorySegment none = MemorySegment.NULL;
    return (int)
        callRetrying(
            "accept4", cap -> (int) accept4.invokeExact(cap, fd, none, none, SOCK_CLOEXEC));
  }

  @Override
  public int peerPidfd(int fd) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      return getsockopt(arena, fd, SO_PEERPIDFD, "SO_PEERPIDFD", 4).get(JAVA_INT, 0);
    }
  }

  @Override
  public PeerCredentials peerCredentials(int fd) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment ucred = getsockopt(arena, fd, SO_PEERCRED, "SO_PEERCRED", 12);
      return new PeerCredentials(
          ucred.get(JAVA_INT, 0), ucred.get(JAVA_INT, 4), ucred.get(JAVA_INT, 8));
    }
  }

  private MemorySegment getsockopt(Arena arena, int fd, int option, String name, int size)
      throws IOException {
    MemorySegment value = arena.allocate(size, 8);
    MemorySegment len = arena.allocate(JAVA_INT);
    len.set(JAVA_INT, 0, size);
    call(
        "getsockopt(" + name + ")",
        cap -> (int) getsockopt.invokeExact(cap, fd, SOL_SOCKET, option, value, len));
    return value;
  }

  @Override
  public byte[] pidfdInfo(int pidfd, long requestMask, int size) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment info = arena.allocate(size, 8);
      info.set(JAVA_LONG, 0, requestMask);
      long request = Linux.pidfdGetInfoRequest(size);
      call("ioctl(PIDFD_GET_INFO)", cap -> (int) ioctl.invokeExact(cap, pidfd, request, info));
      return info.toArray(JAVA_BYTE);
    }
  }

  @Override
  public int recv(int fd, ByteBuffer dst, int flags) throws IOException {
    return transfer(
        "recv",
        dst,
        true,
        (cap, seg) -> (long) recv.invokeExact(cap, fd, seg, seg.byteSize(), flags));
  }

  @Override
  public int send(int fd, ByteBuffer src, int flags) throws IOException {
    int all = flags | Linux.MSG_NOSIGNAL;
    return transfer(
        "send",
        src,
        false,
        (cap, seg) -> (long) send.invokeExact(cap, fd, seg, seg.byteSize(), all));
  }

  @Override
  public int write(int fd, ByteBuffer src) throws IOException {
    return transfer(
        "write", src, false, (cap, seg) -> (long) write.invokeExact(cap, fd, seg, seg.byteSize()));
  }

  @Override
  public short[] poll(int[] fds, short events, int timeoutMillis) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pollfds = arena.allocate(8L * fds.length, 8);
      for (int i = 0; i < fds.length; i++) {
        pollfds.set(JAVA_INT, 8L * i, fds[i]);
        pollfds.set(JAVA_SHORT, 8L * i + 4, events);
      }
      long n = fds.length;
      short[] revents = new short[fds.length];
      MemorySegment cap = capture.get();
      int r = (int) invoke(cap, c -> (int) poll.invokeExact(c, pollfds, n, timeoutMillis));
      if (r < 0 && errno(cap) == Errno.EINTR) {
        return revents;
      }
      check("poll", r, cap);
      for (int i = 0; i < fds.length; i++) {
        revents[i] = pollfds.get(JAVA_SHORT, 8L * i + 6);
      }
      return revents;
    }
  }

  @Override
  public void shutdown(int fd, int how) throws IOException {
    call("shutdown", cap -> (int) shutdown.invokeExact(cap, fd, how));
  }

  @Override
  public void close(int fd) throws IOException {
    // Never retried on EINTR: Linux frees the descriptor even then.
    call("close(" + fd + ")", cap -> (int) close.invokeExact(cap, fd));
  }

  @Override
  public int[] pipe() throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment fds = arena.allocate(JAVA_INT, 2);
      call("pipe2", cap -> (int) pipe2.invokeExact(cap, fds, O_CLOEXEC | O_NONBLOCK));
      return new int[] {fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
    }
  }

  @Override
  public void setDumpable(boolean dumpable) throws IOException {
    long value = dumpable ? 1L : 0L;
    call("prctl(PR_SET_DUMPABLE)", cap -> (int) prctl.invokeExact(cap, PR_SET_DUMPABLE, value));
  }

  @Override
  public boolean isDumpable() throws IOException {
    return call("prctl(PR_GET_DUMPABLE)", cap -> (int) prctl.invokeExact(cap, PR_GET_DUMPABLE, 0L))
        != 0;
  }

  @Override
  public void setns(int fd, int nstype) throws IOException {
    call(
        "setns(0x" + Integer.toHexString(nstype) + ")",
        cap -> (int) setns.invokeExact(cap, fd, nstype));
  }

  /** One downcall; the capture segment comes first, as the linker's ERRNO option wants. */
  private interface Downcall {
    long invoke(MemorySegment capture) throws Throwable;
  }

  /** A downcall on a buffer's remaining bytes. */
  private interface BufferDowncall {
    long invoke(MemorySegment capture, MemorySegment buffer) throws Throwable;
  }

  private long call(String name, Downcall downcall) throws IOException {
    MemorySegment cap = capture.get();
    return check(name, invoke(cap, downcall), cap);
  }

  private long callRetrying(String name, Downcall downcall) throws IOException {
    MemorySegment cap = capture.get();
    long r;
    do {
      r = invoke(cap, downcall);
    } while (r < 0 && errno(cap) == Errno.EINTR);
    return check(name, r, cap);
  }

  /** Heap buffers go through a native copy: a blocking call may not take a heap segment. */
  private int transfer(String name, ByteBuffer buf, boolean into, BufferDowncall downcall)
      throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment view = MemorySegment.ofBuffer(buf);
      MemorySegment seg = buf.isDirect() ? view : arena.allocate(Math.max(1, view.byteSize()));
      seg = seg.asSlice(0, view.byteSize());
      if (!into && !buf.isDirect()) {
        seg.copyFrom(view);
      }
      MemorySegment target = seg;
      int n = (int) callRetrying(name, cap -> downcall.invoke(cap, target));
      if (into && !buf.isDirect()) {
        MemorySegment.copy(seg, 0, view, 0, n);
      }
      buf.position(buf.position() + n);
      return n;
    }
  }

  private static long invoke(MemorySegment cap, Downcall downcall) {
    try {
      return downcall.invoke(cap);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      // invokeExact declares Throwable; a downcall throws nothing checked.
      throw new IllegalStateException(t);
    }
  }

  private static MemorySegment sockaddr(Arena arena, String path) throws IOException {
    byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
    if (bytes.length >= Linux.UNIX_PATH_MAX) {
      throw new ErrnoException("sockaddr_un(" + path + ")", Errno.ENAMETOOLONG);
    }
    // allocate() zeroes the memory, so sun_path is NUL-terminated.
    MemorySegment addr = arena.allocate(SOCKADDR_UN_SIZE, 2);
    addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
    MemorySegment.copy(bytes, 0, addr, JAVA_BYTE, 2, bytes.length);
    return addr;
  }

  private static int errno(MemorySegment cap) {
    return cap.get(JAVA_INT, ERRNO_OFFSET);
  }

  private static long check(String call, long result, MemorySegment cap) throws ErrnoException {
    if (result < 0) {
      throw new ErrnoException(call, errno(cap));
    }
    return result;
  }
}
