package dev.coroner.receiver.sys;

import java.io.InterruptedIOException;

/**
 * A read on a connection stopped before the peer's end of stream: its deadline passed or the server
 * aborted it. Whatever was read so far is a truncated core.
 */
public final class ReadAbortedException extends InterruptedIOException {
  private static final long serialVersionUID = 1L;

  public ReadAbortedException(String reason) {
    super(reason);
  }
}
