package dev.coroner.agent.snapshot;

import dev.coroner.agent.kube.PodRef;
import dev.coroner.base.exit.ExitCode;
import org.jspecify.annotations.Nullable;

/**
 * A request that ends in {@code Failed}: the reason word, the exit code and a message that says
 * what happened and what to do next. The message is for the request's status and the pod's Event;
 * it holds no text read from the process unless made safe ({@code SafeText}).
 */
public final class SnapshotFailure extends Exception {
  private static final long serialVersionUID = 1L;

  private final SnapshotReason reason;
  private final ExitCode exitCode;
  // Never serialized: a failure goes to a status, not over a stream.
  private final transient @Nullable PodRef pod;

  /** A failure with the reason's own exit code. */
  public SnapshotFailure(SnapshotReason reason, String message) {
    this(reason, reason.exitCode(), message);
  }

  /** A failure whose exit code is the snapshot engine's. */
  public SnapshotFailure(SnapshotReason reason, ExitCode exitCode, String message) {
    this(reason, exitCode, message, null);
  }

  private SnapshotFailure(
      SnapshotReason reason, ExitCode exitCode, String message, @Nullable PodRef pod) {
    super(message, null, false, false);
    this.reason = reason;
    this.exitCode = exitCode;
    this.pod = pod;
  }

  /** The same failure, about {@code pod} (whose Event says it). */
  public SnapshotFailure withPod(PodRef pod) {
    return new SnapshotFailure(reason, exitCode, getMessage(), pod);
  }

  /** The pod the failure is about, once known to run on this node; null before. */
  public @Nullable PodRef pod() {
    return pod;
  }

  /** Why, as the status's reason word says it. */
  public SnapshotReason reason() {
    return reason;
  }

  /** The exit code in coroner's table. */
  public ExitCode exitCode() {
    return exitCode;
  }

  @Override
  public String getMessage() {
    return String.valueOf(super.getMessage());
  }
}
