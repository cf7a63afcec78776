package dev.coroner.receiver.sys;

import java.io.IOException;

/** A system call that returned -1: names the call, what it was about, and the errno. */
public final class ErrnoException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String call;
  private final int errno;

  /**
   * A failed system call.
   *
   * @param call the call and its subject, e.g. {@code "bind(/run/coroner/kernel.sock)"}
   * @param errno the errno it left
   */
  public ErrnoException(String call, int errno) {
    super(call + " failed: " + Errno.describe(errno));
    this.call = call;
    this.errno = errno;
  }

  /** The call that failed and its subject. */
  public String call() {
    return call;
  }

  /** The errno it left. */
  public int errno() {
    return errno;
  }
}
