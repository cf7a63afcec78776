package dev.coroner.snapshot.freeze;

import dev.coroner.base.exit.ExitCode;

/** Stopping, copying or resuming the process failed; the code says how, the message what to do. */
public final class FreezeException extends Exception {
  private static final long serialVersionUID = 1L;

  private final ExitCode code;

  public FreezeException(ExitCode code, String message) {
    super(message);
    this.code = code;
  }

  public FreezeException(ExitCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ExitCode code() {
    return code;
  }
}
