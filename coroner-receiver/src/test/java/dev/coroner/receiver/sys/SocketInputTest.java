package dev.coroner.receiver.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;

class SocketInputTest {

  /** A socket that delivers chunks, then end of stream; "silent" polls time out. */
  private static final class FakeSocket {
    final Deque<byte[]> chunks = new ArrayDeque<>();
    boolean silent;
    boolean ready;
    int polls;
    int lastTimeout;
    final java.util.List<Integer> shutdowns = new java.util.ArrayList<>();

    Syscalls syscalls() {
      return (Syscalls)
          Proxy.newProxyInstance(
              Syscalls.class.getClassLoader(),
              new Class<?>[] {Syscalls.class},
              (proxy, method, args) -> {
                switch (method.getName()) {
                  case "poll":
                    polls++;
                    lastTimeout = (Integer) args[2];
                    if (silent) {
                      Thread.sleep(Math.min(lastTimeout, 50));
                      return new short[] {0};
                    }
                    ready = true;
                    return new short[] {Linux.POLLIN};
                  case "recv":
                    return recv((ByteBuffer) args[1], (Integer) args[2]);
                  case "shutdown":
                    shutdowns.add((Integer) args[1]);
                    return null;
                  default:
                    throw new UnsupportedOperationException(method.getName());
                }
              });
    }

    private int recv(ByteBuffer dst, int flags) throws ErrnoException {
      if ((flags & Linux.MSG_DONTWAIT) != 0 && (!ready || silent)) {
        throw new ErrnoException("recv", Errno.EAGAIN);
      }
      if ((flags & Linux.MSG_PEEK) == 0) {
        ready = false; // the next chunk "arrives" after the next poll
      }
      byte[] next = chunks.peekFirst();
      if (next == null) {
        return 0;
      }
      int n = Math.min(next.length, dst.remaining());
      dst.put(next, 0, n);
      if ((flags & Linux.MSG_PEEK) == 0) {
        chunks.removeFirst();
        if (n < next.length) {
          chunks.addFirst(java.util.Arrays.copyOfRange(next, n, next.length));
        }
      }
      return n;
    }
  }

  @Test
  void readsChunksUntilEndOfStream() throws Exception {
    FakeSocket s = new FakeSocket();
    s.chunks.add(new byte[] {1, 2, 3});
    s.chunks.add(new byte[] {4, 5});
    SocketInput in = new SocketInput(s.syscalls(), 7, Deadline.after(Duration.ofMinutes(1), "d"));
    ByteBuffer heap = ByteBuffer.allocate(2);
    assertThat(in.read(heap)).isEqualTo(2);
    assertThat(in.read(heap)).as("full buffer").isZero();
    ByteBuffer direct = ByteBuffer.allocateDirect(16);
    assertThat(in.read(direct)).isEqualTo(1);
    assertThat(in.read(direct)).isEqualTo(2);
    assertThat(in.read(direct)).isEqualTo(-1);
    assertThat(in.read(direct)).isEqualTo(-1);
    assertThat(in.atEndOfStream()).isTrue();
    assertThat(in.bytesRead()).isEqualTo(5);
    assertThat(s.lastTimeout).as("poll waits for the time left").isBetween(50_000, 60_001);
    in.close();
    in.close();
    assertThat(s.shutdowns).as("the kernel's WAIT is over: release the task").containsExactly(1);
    assertThatThrownBy(() -> in.read(direct)).isInstanceOf(ClosedChannelException.class);
  }

  @Test
  void closingBeforeTheEndShutsBothWaysSoTheKernelStopsWriting() throws Exception {
    FakeSocket s = new FakeSocket();
    s.chunks.add(new byte[] {1, 2, 3});
    SocketInput in = new SocketInput(s.syscalls(), 7, Deadline.after(Duration.ofMinutes(1), "d"));
    assertThat(in.read(ByteBuffer.allocate(2))).isEqualTo(2);
    in.close();
    assertThat(s.shutdowns).containsExactly(Linux.SHUT_RDWR);
  }

  @Test
  void bytesAlreadyThereAreTakenWithoutAPoll() throws Exception {
    FakeSocket s = new FakeSocket();
    s.ready = true;
    s.chunks.add(new byte[] {1, 2, 3});
    SocketInput in = new SocketInput(s.syscalls(), 7, Deadline.after(Duration.ofMinutes(1), "d"));
    assertThat(in.read(ByteBuffer.allocate(8))).isEqualTo(3);
    assertThat(s.polls).isZero();
  }

  @Test
  void peekLeavesTheBytesAndReadFullyTakesThem() throws Exception {
    FakeSocket s = new FakeSocket();
    s.chunks.add(new byte[] {16, 0, 0, 0, 9, 9});
    SocketInput in = new SocketInput(s.syscalls(), 7, Deadline.after(Duration.ofMinutes(1), "d"));
    ByteBuffer size = ByteBuffer.allocateDirect(4);
    in.peekFully(size);
    assertThat(size.flip().get(0)).isEqualTo((byte) 16);
    ByteBuffer all = ByteBuffer.allocate(6);
    in.readFully(all);
    assertThat(all.array()).containsExactly(16, 0, 0, 0, 9, 9);
    assertThatThrownBy(() -> in.readFully(ByteBuffer.allocate(4)))
        .isInstanceOf(EOFException.class)
        .hasMessageContaining("after 0 of 4 bytes");
  }

  @Test
  void silentPeerRunsIntoTheDeadline() {
    FakeSocket s = new FakeSocket();
    s.silent = true;
    SocketInput in =
        new SocketInput(s.syscalls(), 7, Deadline.after(Duration.ofMillis(200), "the deadline"));
    assertThatThrownBy(() -> in.read(ByteBuffer.allocate(8)))
        .isInstanceOf(ReadAbortedException.class)
        .hasMessage("the deadline passed");
    assertThat(s.polls).isGreaterThanOrEqualTo(1);
  }

  @Test
  void abortedConnectionsEndOfStreamIsNoEndOfCore() {
    FakeSocket s = new FakeSocket(); // no chunks: recv returns 0, as after shutdown()
    Deadline deadline = Deadline.after(Duration.ofMinutes(1), "d");
    SocketInput in = new SocketInput(s.syscalls(), 7, deadline);
    deadline.abort("the server closed");
    deadline.abort("a later reason");
    assertThatThrownBy(() -> in.read(ByteBuffer.allocate(8)))
        .isInstanceOf(ReadAbortedException.class)
        .hasMessage("the server closed");
    assertThat(in.atEndOfStream()).isFalse();
  }

  @Test
  void hugeDeadlinesDoNotWrap() {
    Deadline d = Deadline.after(Duration.ofDays(365 * 1000), "d");
    assertThat(d.remainingNanos()).isPositive();
    assertThat(d.stopReason()).isEmpty();
  }
}
