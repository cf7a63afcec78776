package dev.coroner.analysis;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Runs a debugger on a core: pluggable so tests can replay recorded output. */
@FunctionalInterface
public interface CommandRunner {
  /**
   * Runs one command to its end, its timeout or its output limit, whichever comes first.
   *
   * @throws java.io.IOException when the command cannot be started (not installed)
   */
  Result run(Command command) throws java.io.IOException, InterruptedException;

  /**
   * A command line.
   *
   * @param argv the program and its arguments
   * @param env variables to add to the inherited environment
   * @param timeout the longest it may run; then it and its descendants are killed
   * @param maxOutputBytes the most of stdout (and separately of stderr) kept; past it the command
   *     is killed, since it has said more than any parser needs
   */
  record Command(List<String> argv, Map<String, String> env, Duration timeout, int maxOutputBytes) {
    public Command {
      argv = List.copyOf(argv);
      env = Map.copyOf(env);
    }

    /** The program's file name, for messages. */
    public String program() {
      return Text.basename(argv.get(0));
    }
  }

  /**
   * How a command ended. Output is decoded as UTF-8 with control characters removed.
   *
   * @param exitCode the exit code (-1 when killed for the timeout or the output limit)
   */
  record Result(
      int exitCode,
      String stdout,
      String stderr,
      boolean timedOut,
      boolean truncated,
      long durationMs) {}
}
