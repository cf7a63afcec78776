package dev.coroner.agent.receiver;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A tiny {@code sh} child that puts the pipe composer's pattern back when the agent dies hard (kill
 * -9, OOM), when no code of the JVM runs any more. Its stdin is a pipe whose only writing end the
 * agent's JVM holds: when the JVM dies, the kernel closes that end, the child reads EOF and, only
 * if core_pattern still points at the agent's socket, writes the pipe pattern with shell builtins
 * (read, case, printf: no fork between the agent's death and the write). The kernel has no fallback
 * of its own: with a socket pattern and no listener a crash gets no core at all.
 *
 * <p>On a clean stop the agent has put the pipe pattern back itself; closing the watchdog then ends
 * it with nothing to do. It ignores SIGINT, SIGTERM and SIGHUP (a Ctrl-C to the agent's process
 * group must not take it down before the JVM), and it runs at nice -10 where it may, so that a busy
 * CPU does not delay the restore.
 */
final class PipeWatchdog implements AutoCloseable {
  /** $1 the pipe pattern, $2 the socket, $3 the core_pattern file, $4 the agent's pid. */
  static final String SCRIPT =
      """
      trap '' INT TERM HUP
      renice -n -10 -p $$ > /dev/null 2>&1
      while IFS= read -r line; do :; done
      current=
      IFS= read -r current < "$3"
      case $current in
        "@@$2" | "@$2")
          if printf '%s\\n' "$1" > "$3"; then
            printf 'pipe watchdog: the agent (pid %s) is gone; core_pattern is the pipe composer pattern again\\n' "$4"
          fi ;;
      esac
      """;

  private final Process process;
  private final OutputStream holder;

  private PipeWatchdog(Process process) {
    this.process = process;
    this.holder = process.getOutputStream();
  }

  /**
   * Starts the watchdog; from then on the JVM's death puts {@code pipePattern} back while
   * core_pattern names {@code socket}.
   *
   * @param log the file its one line goes to (appended)
   */
  static PipeWatchdog start(String pipePattern, Path socket, Path corePattern, Path log)
      throws IOException {
    Process p =
        new ProcessBuilder(
                List.of(
                    "/bin/sh",
                    "-c",
                    SCRIPT,
                    "coroner-pipe-watchdog",
                    pipePattern,
                    socket.toString(),
                    corePattern.toString(),
                    Long.toString(ProcessHandle.current().pid())))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectErrorStream(true)
            .start();
    return new PipeWatchdog(p);
  }

  /** The child's pid, for the log and the tests. */
  long pid() {
    return process.pid();
  }

  /** Whether it still waits (it exits only on EOF). */
  boolean alive() {
    return process.isAlive();
  }

  /**
   * Ends it: EOF on its stdin; it restores only if core_pattern still names the socket, so call
   * this after the receiver has put the pipe back. Waits up to 5 s, then kills it.
   */
  @Override
  public void close() {
    try {
      holder.close();
    } catch (IOException e) {
      // the child is gone already
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
