package dev.coroner.snapshot.freeze;

import dev.coroner.base.exit.ExitCode;
import org.jspecify.annotations.Nullable;

/** Stopping, copying or resuming the process failed; the code says how, the message what to do. */
public final class FreezeException extends Exception {
  private static final long serialVersionUID = 1L;

  private final ExitCode code;

  public FreezeException(ExitCode code, @Nullable String message) {
    super(message);
    this.code = code;
  }

  public FreezeException(ExitCode code, @Nullable String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The exit code for this failure. */
  public ExitCode code() {
    return code;
  }
}
