package dev.coroner.snapshot;

import dev.coroner.base.exit.ExitCode;
import org.jspecify.annotations.Nullable;

/**
 * No snapshot was taken; the exit code says why ({@link ExitCode#NOT_FOUND}, {@link
 * ExitCode#SNAPSHOT_REFUSED}, {@link ExitCode#PROCESS_EXITED}, ...) and the message what to do. The
 * process was left running, untraced, whatever the code.
 */
public final class SnapshotException extends Exception {
  private static final long serialVersionUID = 1L;

  private final ExitCode code;

  public SnapshotException(ExitCode code, String message) {
    super(message);
    this.code = code;
  }

  public SnapshotException(ExitCode code, @Nullable String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The exit code for this failure. */
  public ExitCode code() {
    return code;
  }
}
