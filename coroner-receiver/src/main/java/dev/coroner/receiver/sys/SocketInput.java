package dev.coroner.receiver.sys;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Reads an accepted socket until the peer's end of stream, never past a {@link Deadline}: each read
 * polls with the time left, so a stuck peer cannot hold the reading thread. Closing this channel
 * shuts the socket down (releasing the kernel) but does not close it; its owner does.
 */
public final class SocketInput implements ReadableByteChannel {
  /** The kernel's side holds at most its socket's sndbuf (net.core.wmem_default, 208 KiB). */
  private static final int SCRATCH = 256 * 1024;

  private final Syscalls sys;
  private final int fd;
  private final Deadline deadline;
  private @Nullable ByteBuffer scratch;
  private boolean open = true;
  private boolean eof;
  private long bytesRead;

  public SocketInput(Syscalls sys, int fd, Deadline deadline) {
    this.sys = sys;
    this.fd = fd;
    this.deadline = deadline;
  }

  /**
   * Up to {@code dst.remaining()} bytes; -1 at the peer's end of stream.
   *
   * @throws ReadAbortedException the deadline passed or the connection was aborted
   */
  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    if (eof) {
      return -1;
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    deadline.check();
    // Try first, poll only when nothing is there: a core streams in faster than one poll per
    // read, and the deadline is still checked before every read and in every wait.
    int n = recv(dst, Linux.MSG_DONTWAIT);
    if (n < 0) {
      awaitReadable();
      n = recv(dst, 0);
    }
    if (n == 0) {
      // An abort shuts the socket down, which reads as end of stream: that is no complete core.
      deadline.check();
      eof = true;
      return -1;
    }
    bytesRead += n;
    return n;
  }

  /** One recv into {@code dst}; -1 for EAGAIN under MSG_DONTWAIT. */
  private int recv(ByteBuffer dst, int flags) throws IOException {
    try {
      if (dst.isDirect()) {
        return sys.recv(fd, dst, flags);
      }
      ByteBuffer buf = scratch();
      buf.clear().limit(Math.min(dst.remaining(), buf.capacity()));
      int n = sys.recv(fd, buf, flags);
      dst.put(buf.flip());
      return n;
    } catch (ErrnoException e) {
      if (e.errno() == Errno.EAGAIN && (flags & Linux.MSG_DONTWAIT) != 0) {
        return -1;
      }
      throw e;
    }
  }

  /** Fills {@code dst} or fails: a message must arrive whole. */
  public void readFully(ByteBuffer dst) throws IOException {
    int wanted = dst.remaining();
    while (dst.hasRemaining()) {
      if (read(dst) < 0) {
        throw new EOFException(
            "the peer closed the connection after "
                + (wanted - dst.remaining())
                + " of "
                + wanted
                + " bytes");
      }
    }
  }

  /** Fills {@code dst} (direct) with the next bytes without consuming them. */
  public void peekFully(ByteBuffer dst) throws IOException {
    int start = dst.position();
    while (true) {
      awaitReadable();
      dst.position(start);
      int n = sys.recv(fd, dst, Linux.MSG_PEEK | Linux.MSG_WAITALL);
      if (n == 0) {
        deadline.check();
        throw new EOFException("the peer closed the connection before sending a message");
      }
      if (!dst.hasRemaining()) {
        return;
      }
    }
  }

  /** The bytes {@link #read} returned. */
  public long bytesRead() {
    return bytesRead;
  }

  /** Whether the peer's end of stream was seen. */
  public boolean atEndOfStream() {
    return eof;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /**
   * Stops reading and lets the kernel go on without waiting for the server's close: after the end
   * of stream a shutdown of the writing side is what a WAIT ack waits for (the kernel reads until
   * EOF), so the crashing task is released while the dump is still being finished; before the end
   * the socket is shut both ways, so the kernel's next write fails and it stops dumping. The socket
   * itself stays open until its owner closes it.
   */
  @Override
  public void close() {
    if (!open) {
      return;
    }
    open = false;
    try {
      sys.shutdown(fd, eof ? Linux.SHUT_WR : Linux.SHUT_RDWR);
    } catch (IOException e) {
      // ENOTCONN: the kernel's side is gone already, which is all this was for
    }
  }

  private void awaitReadable() throws IOException {
    int[] fds = {fd};
    while (true) {
      deadline.check();
      long millis = TimeUnit.NANOSECONDS.toMillis(deadline.remainingNanos()) + 1;
      short[] revents = sys.poll(fds, Linux.POLLIN, (int) Math.min(millis, Integer.MAX_VALUE));
      if (revents[0] != 0) {
        // POLLHUP and POLLERR come back too: the next recv reports them as 0 or an errno.
        return;
      }
    }
  }

  private ByteBuffer scratch() {
    if (scratch == null) {
      scratch = ByteBuffer.allocateDirect(SCRATCH);
    }
    return scratch;
  }
}
