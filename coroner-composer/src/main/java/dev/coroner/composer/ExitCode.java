package dev.coroner.composer;

/**
 * The composer's documented exit codes. The kernel ignores them; they are for the log, for tests
 * and for anyone running the composer by hand. See {@code docs/composer.md}.
 */
public enum ExitCode {
  /** A complete dump was written. */
  COMPLETE(0),
  /** A dump was written, but its core is truncated or not a core; dump-info says why. */
  TRUNCATED(1),
  /** The crash matched filter.exclude-exe and was skipped. */
  SKIPPED(2),
  /** No dump could be written (for example the dump directory is not writable). */
  NOT_WRITTEN(3),
  /** A bug in the composer; the log has the stack trace. */
  INTERNAL_ERROR(4),
  /** The watchdog timeout was reached; the dump was finished and marked truncated. */
  TIMEOUT(124),
  /** The watchdog could not finish the dump in time; it was left as {@code .zip.partial}. */
  TIMEOUT_KILLED(125);

  private final int code;

  ExitCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
