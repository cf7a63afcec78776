package dev.coroner.cli.errors;

import dev.coroner.base.exit.ExitCode;
import org.jspecify.annotations.Nullable;

/** A failure the user can act on: a message that says what to do and the exit code. */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** {@link ExitCode#FAILURE}: the work failed; the message says why. */
  public static final int FAILURE = ExitCode.FAILURE.code();

  /** {@link ExitCode#USAGE}: a bad option, argument or setting. */
  public static final int USAGE = ExitCode.USAGE.code();

  /** {@link ExitCode#NOT_FOUND}: no such dump, pod or namespace. */
  public static final int NOT_FOUND = ExitCode.NOT_FOUND.code();

  /** {@link ExitCode#UNREACHABLE}: storage or cluster unreachable, or access denied. */
  public static final int UNREACHABLE = ExitCode.UNREACHABLE.code();

  /** {@link ExitCode#INTERNAL}: a bug in coroner. */
  public static final int INTERNAL = ExitCode.INTERNAL.code();

  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public CliException(int exitCode, @Nullable String message, @Nullable Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** The process exit code for this failure. */
  public int exitCode() {
    return exitCode;
  }
}
