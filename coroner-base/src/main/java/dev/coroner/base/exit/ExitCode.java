package dev.coroner.base.exit;

/**
 * The one exit-code table of coroner's three entry points: the {@code coroner} CLI, the {@code
 * coroner-agent} daemon and the kernel's capture handlers (the pipe composer and the socket
 * receiver). A code means the same thing wherever it appears; docs/cli.md lists them with examples.
 * The kernel ignores a handler's exit code: there it is for the log, the tests and people.
 */
public enum ExitCode {
  /** Done: the command succeeded, or the composer wrote a complete dump. */
  OK(0, "done"),
  /** The work failed for a reason the message gives (a damaged dump, a failed upload). */
  FAILURE(1, "failed; the message says why"),
  /** A usage or configuration error: a bad option, argument, setting or variable. */
  USAGE(2, "bad usage or configuration"),
  /** What was named does not exist: a dump, a pod, a process. */
  NOT_FOUND(3, "not found"),
  /** Storage or the cluster cannot be reached, or refused the credentials. */
  UNREACHABLE(4, "storage or cluster unreachable, or access denied"),
  /** A bug in coroner; the log or --stacktrace has the details. */
  INTERNAL(5, "internal error"),
  /** Capture: a dump was written, but its core is truncated or not a core; dump-info says why. */
  DUMP_TRUNCATED(6, "dump written, core incomplete"),
  /** Capture: the crash was skipped by the capture policy; nothing was kept. */
  SKIPPED(7, "crash skipped by policy"),
  /** Capture: no dump could be written at all (the dump directory is not writable). */
  NOT_WRITTEN(8, "no dump written"),
  /**
   * Snapshot: the process may not be traced (another tracer, Yama, seccomp, no CAP_SYS_PTRACE, not
   * dumpable); it was not touched.
   */
  SNAPSHOT_REFUSED(9, "snapshot refused: the process cannot be traced"),
  /** Snapshot: the process exited while it was being snapshotted; nothing was left stopped. */
  PROCESS_EXITED(10, "the process exited during the snapshot"),
  /**
   * Receiver: the socket capture cannot run here (no socket mode in the kernel, a JDK older than
   * 22, or a core_pattern that is someone else's); the pipe composer stays the handler, and the
   * supervisor does not restart the receiver.
   */
  NOT_POSSIBLE(11, "socket capture not possible here; the pipe stays"),
  /** Capture: the watchdog's timeout passed; the dump was finished and marked truncated. */
  TIMEOUT(124, "capture timed out; dump finished as truncated"),
  /** Capture: the watchdog could not finish the dump in time; a {@code .zip.partial} remains. */
  TIMEOUT_KILLED(125, "capture killed by its watchdog");

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  /** The process exit status. */
  public int code() {
    return code;
  }

  /** A few words for logs and docs. */
  public String meaning() {
    return meaning;
  }
}
