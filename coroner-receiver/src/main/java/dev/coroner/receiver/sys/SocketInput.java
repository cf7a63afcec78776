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
 * does not close the socket; its owner does.
 */
public final class SocketInput implements ReadableByteChannel {
  private static final int SCRATCH = 64 * 1024;

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
    awaitReadable();
    int n;
    if (dst.isDirect()) {
      n = sys.recv(fd, dst, 0);
    } else {
      ByteBuffer buf = scratch();
      buf.clear().limit(Math.min(dst.remaining(), buf.capacity()));
      n = sys.recv(fd, buf, 0);
      dst.put(buf.flip());
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

  @Override
  public void close() {
    open = false;
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
