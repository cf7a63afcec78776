package dev.coroner.agent.snapshot;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.kube.api.CoreDumpSnapshotStatus;

/**
 * Why a CoreDumpSnapshot request failed: the status's reason word, and the exit code in coroner's
 * table ({@link ExitCode}) that {@code coroner snapshot PID} would have exited with on the node.
 * The one place where the snapshot engine's exit codes become reason words ({@link #of}).
 */
public enum SnapshotReason {
  /** The request names no pod, or a method or trigger the agent does not know. */
  INVALID(CoreDumpSnapshotStatus.INVALID, ExitCode.USAGE),
  /** No pod of that name in the request's namespace. */
  NO_SUCH_POD(CoreDumpSnapshotStatus.NO_SUCH_POD, ExitCode.NOT_FOUND),
  /** The pod runs on another node than the one the request's label names. */
  NOT_THIS_NODE(CoreDumpSnapshotStatus.NOT_THIS_NODE, ExitCode.USAGE),
  /** The pod has no such container, or it does not run. */
  NO_SUCH_CONTAINER(CoreDumpSnapshotStatus.NO_SUCH_CONTAINER, ExitCode.NOT_FOUND),
  /** This agent cannot take snapshots (Java older than 22, not Linux x86_64). */
  UNSUPPORTED(CoreDumpSnapshotStatus.UNSUPPORTED, ExitCode.USAGE),
  /** The kernel refused ptrace: another tracer, seccomp, Yama. */
  PTRACE_REFUSED(CoreDumpSnapshotStatus.PTRACE_REFUSED, ExitCode.SNAPSHOT_REFUSED),
  /** The process exited before or during the snapshot. */
  PROCESS_EXITED(CoreDumpSnapshotStatus.PROCESS_EXITED, ExitCode.PROCESS_EXITED),
  /** Too many snapshots already wait on this node. */
  RATE_LIMITED(CoreDumpSnapshotStatus.RATE_LIMITED, ExitCode.FAILURE),
  /** Anything else: the snapshot, its dump or its upload failed. */
  SNAPSHOT_FAILED(CoreDumpSnapshotStatus.SNAPSHOT_FAILED, ExitCode.FAILURE);

  private final String word;
  private final ExitCode exitCode;

  SnapshotReason(String word, ExitCode exitCode) {
    this.word = word;
    this.exitCode = exitCode;
  }

  /** The status's reason word, e.g. {@code PtraceRefused}. */
  public String word() {
    return word;
  }

  /** The exit code a failure for this reason reports, unless the engine gave its own. */
  public ExitCode exitCode() {
    return exitCode;
  }

  /**
   * The reason for a failure of the snapshot engine with {@code code}. {@link ExitCode#NOT_FOUND}
   * is a process that is gone: the container's process, found through the runtime a moment before,
   * exited. {@link ExitCode#USAGE} is what the engine says for a JVM that cannot trace; the agent
   * asks {@code unavailableReason()} first, so here it means the PID was not a process to snapshot
   * (a thread, a kernel thread), which the agent does not choose: a failure.
   */
  public static SnapshotReason of(ExitCode code) {
    return switch (code) {
      case SNAPSHOT_REFUSED -> PTRACE_REFUSED;
      case PROCESS_EXITED, NOT_FOUND -> PROCESS_EXITED;
      default -> SNAPSHOT_FAILED;
    };
  }
}
