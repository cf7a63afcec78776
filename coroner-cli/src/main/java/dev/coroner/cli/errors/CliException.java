package dev.coroner.cli.errors;

/** A failure the user can act on: a message that says what to do and the exit code. */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Exit codes shared by every command (see docs/cli.md). */
  public static final int FAILURE = 1;

  public static final int USAGE = 2;
  public static final int NOT_FOUND = 3;
  public static final int UNREACHABLE = 4;
  public static final int INTERNAL = 5;

  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
