package dev.coroner.receiver.sys;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The Linux calls the coredump socket server needs, one method per call. Each failure is an {@link
 * ErrnoException} that names the call; {@link #system()} on Java 17 to 21 is a stub whose every
 * call throws {@link ReceiverUnavailableException}. Buffers are read and written from their
 * position to their limit, and their position advances by what was transferred.
 */
public interface Syscalls {

  /** The JVM's own implementation: FFM on Java 22+, loaded from the multi-release jar. */
  static Syscalls system() {
    return NativeSyscalls.load();
  }

  /** Empty when the calls work here; else the sentence that says why they do not. */
  String unavailableReason();

  /** {@code socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC [| SOCK_NONBLOCK], 0)}. */
  int unixStreamSocket(boolean nonBlocking) throws IOException;

  /** {@code bind} to a path of at most 107 bytes. */
  void bind(int fd, String path) throws IOException;

  /** {@code listen} with {@code backlog}. */
  void listen(int fd, int backlog) throws IOException;

  /** {@code connect} to a path; a non-blocking socket may fail with EAGAIN (backlog full). */
  void connect(int fd, String path) throws IOException;

  /** {@code accept4(fd, NULL, NULL, SOCK_CLOEXEC)}: the accepted socket is blocking. */
  int accept(int fd) throws IOException;

  /** {@code getsockopt(SO_PEERPIDFD)}: a pidfd for the peer's thread group (Linux 6.5+). */
  int peerPidfd(int fd) throws IOException;

  /** {@code getsockopt(SO_PEERCRED)}. */
  PeerCredentials peerCredentials(int fd) throws IOException;

  /**
   * {@code ioctl(pidfd, PIDFD_GET_INFO, info)} with {@code info.mask = requestMask}: returns the
   * struct as the kernel left it, {@code size} bytes (at least 64; the kernel copies what it knows
   * and zeroes the rest).
   */
  byte[] pidfdInfo(int pidfd, long requestMask, int size) throws IOException;

  /** {@code recv}; 0 means the peer shut its writing side (end of stream). */
  int recv(int fd, ByteBuffer dst, int flags) throws IOException;

  /** {@code send} with {@code MSG_NOSIGNAL} added: a closed peer is EPIPE, never SIGPIPE. */
  int send(int fd, ByteBuffer src, int flags) throws IOException;

  /**
   * {@code poll} on each fd for {@code events}; returns each fd's {@code pollfd.revents} (all 0
   * when the timeout passed). A negative timeout waits forever. EINTR is returned as all 0.
   */
  short[] poll(int[] fds, short events, int timeoutMillis) throws IOException;

  /** {@code shutdown}: {@code how} is SHUT_RD, SHUT_WR or SHUT_RDWR. */
  void shutdown(int fd, int how) throws IOException;

  /** {@code close}. */
  void close(int fd) throws IOException;

  /** {@code pipe2(O_CLOEXEC | O_NONBLOCK)}: read end first. */
  int[] pipe() throws IOException;

  /** {@code write}; returns the bytes written. */
  int write(int fd, ByteBuffer src) throws IOException;

  /** {@code prctl(PR_SET_DUMPABLE, dumpable)}. */
  void setDumpable(boolean dumpable) throws IOException;

  /** {@code prctl(PR_GET_DUMPABLE)}. */
  boolean isDumpable() throws IOException;

  /**
   * {@code setns(fd, nstype)} for the calling thread; {@code fd} may be a pidfd (Linux 5.8+). Only
   * namespaces a thread may change alone (UTS, not mount or user) suit a JVM.
   */
  void setns(int fd, int nstype) throws IOException;
}
