package dev.coroner.cli.snapshot;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.base.text.SafeText;
import dev.coroner.kube.api.CoreDumpSnapshotStatus;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The agent's answer in the CLI's terms: a failure's exit code (the one the agent wrote, as {@code
 * coroner snapshot PID} would exit on the node, else one by its reason) and what to do about it.
 * The status is written by the agent, but it reaches a terminal only through {@link SafeText}.
 */
final class SnapshotOutcome {
  /** An object's name as the API server allows it: what may be suggested in a command. */
  private static final Pattern OBJECT_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private SnapshotOutcome() {}

  /**
   * The exit code of a failed request: the status's {@code exitCode} when it is a failure's code in
   * coroner's table, else the reason's.
   */
  static int exitCode(CoreDumpSnapshotStatus s) {
    Integer code = s.exitCode();
    if (code != null
        && code != ExitCode.OK.code()
        && Arrays.stream(ExitCode.values()).anyMatch(e -> e.code() == code)) {
      return code;
    }
    return byReason(s.reason()).code();
  }

  /** The exit code a reason word stands for when the agent wrote none. */
  static ExitCode byReason(@Nullable String reason) {
    if (reason == null) {
      return ExitCode.FAILURE;
    }
    return switch (reason) {
      case CoreDumpSnapshotStatus.NO_SUCH_POD, CoreDumpSnapshotStatus.NO_SUCH_CONTAINER ->
          ExitCode.NOT_FOUND;
      case CoreDumpSnapshotStatus.PTRACE_REFUSED -> ExitCode.SNAPSHOT_REFUSED;
      case CoreDumpSnapshotStatus.PROCESS_EXITED -> ExitCode.PROCESS_EXITED;
      case CoreDumpSnapshotStatus.INVALID -> ExitCode.USAGE;
      default -> ExitCode.FAILURE;
    };
  }

  /** What to do after a failure for {@code reason}, on {@code node}, in {@code namespace}. */
  static String advice(@Nullable String reason, String node, String namespace) {
    String log =
        "the log of coroner's agent on node "
            + node
            + " has the details ('kubectl logs' of its"
            + " pod there)";
    if (reason == null) {
      return log;
    }
    return switch (reason) {
      case CoreDumpSnapshotStatus.NO_SUCH_POD ->
          "the pod is gone; 'kubectl get pods -n " + namespace + "' lists those there are";
      case CoreDumpSnapshotStatus.NO_SUCH_CONTAINER ->
          "the container is not running there; 'kubectl get pod -n "
              + namespace
              + " -o wide' shows the pod's state, and -c names another container";
      case CoreDumpSnapshotStatus.PTRACE_REFUSED ->
          "the node refuses to trace that process (another tracer such as a debugger or strace,"
              + " a seccomp filter, Yama's ptrace_scope 3); the process was not touched"
              + " (docs/snapshot.md)";
      case CoreDumpSnapshotStatus.PROCESS_EXITED ->
          "the container's process exited meanwhile, and nothing was left stopped; 'kubectl get"
              + " pod -n "
              + namespace
              + "' shows its restarts";
      case CoreDumpSnapshotStatus.UNSUPPORTED ->
          "the agent on node "
              + node
              + " cannot take snapshots (it needs Java 22+ and x86_64); upgrade coroner's chart";
      case CoreDumpSnapshotStatus.INVALID ->
          "the agent refused the request as invalid; upgrade coroner so that the CLI and the"
              + " agent agree";
      case CoreDumpSnapshotStatus.NOT_THIS_NODE ->
          "the pod is no longer on the node the request named; run the command again";
      case CoreDumpSnapshotStatus.RATE_LIMITED -> "try again in a while";
      default -> log;
    };
  }

  /**
   * {@code text} on one line for a {@link dev.coroner.cli.errors.CliException}'s message, or {@code
   * fallback} when there is none: {@code Main} prints every message through {@link SafeText#lines},
   * which keeps line breaks, so they become spaces here and the rest is escaped there (once).
   */
  static String oneLine(@Nullable String text, String fallback) {
    return text == null || text.isBlank() ? fallback : text.replaceAll("[\\r\\n\\t]+", " ");
  }

  /** {@code text} safe for a terminal, or {@code fallback} when there is none. */
  static String safe(@Nullable String text, String fallback) {
    String s = SafeText.line(text);
    return s == null || s.isBlank() ? fallback : s;
  }

  /** Whether {@code name} may be printed inside a command to copy: an object name. */
  static boolean isObjectName(@Nullable String name) {
    return name != null && name.length() <= 253 && OBJECT_NAME.matcher(name).matches();
  }
}
