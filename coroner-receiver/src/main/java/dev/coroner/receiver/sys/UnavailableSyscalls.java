package dev.coroner.receiver.sys;

import java.nio.ByteBuffer;

/** The stub in the base of the multi-release jar: every call fails with the reason. */
final class UnavailableSyscalls implements Syscalls {
  private final String reason;

  UnavailableSyscalls(String reason) {
    this.reason = reason;
  }

  /** Why this JVM runs the stub, for Java {@code feature} on {@code os}/{@code arch}. */
  static String reasonFor(int feature, String os, String arch) {
    if (feature < 22) {
      return "the coredump socket receiver needs Java 22 or newer (this is Java "
          + feature
          + "); run it on Java 22+ or use the core_pattern pipe handler";
    }
    if (!os.equals("Linux") || !arch.equals("amd64")) {
      return "the coredump socket receiver runs on Linux x86_64 only (this is "
          + os
          + " "
          + arch
          + ")";
    }
    return "the coredump socket receiver's Java 22 classes are missing (this is Java "
        + feature
        + "): load coroner-receiver from its multi-release jar built on Java 22+,"
        + " not from a classes directory or a jar built on Java 17";
  }

  private ReceiverUnavailableException fail() {
    return new ReceiverUnavailableException(reason);
  }

  @Override
  public String unavailableReason() {
    return reason;
  }

  @Override
  public int unixStreamSocket(boolean nonBlocking) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public void bind(int fd, String path) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public void listen(int fd, int backlog) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public void connect(int fd, String path) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public int accept(int fd) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public int peerPidfd(int fd) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public PeerCredentials peerCredentials(int fd) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public byte[] pidfdInfo(int pidfd, long requestMask, int size)
      throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public int recv(int fd, ByteBuffer dst, int flags) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public int send(int fd, ByteBuffer src, int flags) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public short[] poll(int[] fds, short events, int timeoutMillis)
      throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public void shutdown(int fd, int how) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public void close(int fd) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public int[] pipe() throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public int write(int fd, ByteBuffer src) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public void setDumpable(boolean dumpable) throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public boolean isDumpable() throws ReceiverUnavailableException {
    throw fail();
  }

  @Override
  public void setns(int fd, int nstype) throws ReceiverUnavailableException {
    throw fail();
  }
}
