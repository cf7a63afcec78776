package dev.coroner.receiver;

import dev.coroner.receiver.sys.Deadline;
import dev.coroner.receiver.sys.Linux;
import dev.coroner.receiver.sys.Syscalls;
import java.io.IOException;
import java.time.Instant;

/**
 * One accepted socket and its deadline. The worker closes it; the watchdog and the server's close
 * only shut it down, which wakes a blocked read and frees the kernel's writer, so a descriptor
 * number is never closed under a thread that still uses it.
 */
final class Connection {
  private final Syscalls sys;
  private final int fd;
  private final long id;
  private final Instant acceptedAt;
  private final Deadline deadline;
  private boolean closed;

  Connection(Syscalls sys, int fd, long id, Deadline deadline) {
    this.sys = sys;
    this.fd = fd;
    this.id = id;
    this.acceptedAt = Instant.now();
    this.deadline = deadline;
  }

  int fd() {
    return fd;
  }

  long id() {
    return id;
  }

  Instant acceptedAt() {
    return acceptedAt;
  }

  Deadline deadline() {
    return deadline;
  }

  /** Stops the connection for {@code reason}; the worker sees it at its next read or write. */
  synchronized void abort(String reason) {
    deadline.abort(reason);
    if (!closed) {
      try {
        sys.shutdown(fd, Linux.SHUT_RDWR);
      } catch (IOException e) {
        // ENOTCONN: the kernel's side is already gone; the worker finds out by itself
      }
    }
  }

  /** Closing releases the crashing task (the kernel waits for it after a WAIT ack). */
  synchronized void close() {
    if (!closed) {
      closed = true;
      SocketBinder.closeQuietly(sys, fd);
    }
  }
}
