package dev.coroner.kube.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * The agent's account of a snapshot request; every field is null until the agent takes it, and
 * those that do not apply stay null.
 *
 * @param phase {@link #RUNNING}, then {@link #SUCCEEDED} or {@link #FAILED}
 * @param reason why it failed, a stable word clients decide by ({@link #NO_SUCH_POD}, {@link
 *     #NO_SUCH_CONTAINER}, {@link #PTRACE_REFUSED}, {@link #PROCESS_EXITED}, {@link #UNSUPPORTED},
 *     {@link #INVALID}, {@link #NOT_THIS_NODE}, {@link #RATE_LIMITED}, {@link #SNAPSHOT_FAILED});
 *     {@code message} is for people
 * @param message what happened, for a person, with what to do next
 * @param node the node whose agent took the request
 * @param pid the snapshotted process's PID on that node (not the container's)
 * @param exitCode the failure's exit code in coroner's table (docs/cli.md), so the CLI exits as
 *     {@code coroner snapshot PID} would on the node
 * @param dump the dump's name (its zip's, without {@code .zip})
 * @param coreDump the CoreDump's name (the dump's uuid), once the dump is uploaded
 * @param freezeMicros how long the process was stopped, in microseconds
 * @param coreBytes the core's size
 * @param startedAt when the agent took it (RFC 3339)
 * @param completedAt when it ended (RFC 3339)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CoreDumpSnapshotStatus(
    @Nullable String phase,
    @Nullable String reason,
    @Nullable String message,
    @Nullable String node,
    @Nullable Long pid,
    @Nullable Integer exitCode,
    @Nullable String dump,
    @Nullable String coreDump,
    @Nullable Long freezeMicros,
    @Nullable Long coreBytes,
    @Nullable String startedAt,
    @Nullable String completedAt) {
  /** The agent has taken the request and the snapshot is under way. */
  public static final String RUNNING = "Running";

  /** The dump is written and uploaded; {@code coreDump} names it. */
  public static final String SUCCEEDED = "Succeeded";

  /** No dump; {@code reason} and {@code message} say why. */
  public static final String FAILED = "Failed";

  /** No pod of that name in the request's namespace. */
  public static final String NO_SUCH_POD = "NoSuchPod";

  /** The pod has no such container, or it is not running. */
  public static final String NO_SUCH_CONTAINER = "NoSuchContainer";

  /** The kernel refused ptrace (yama ptrace_scope 3, seccomp, another tracer). */
  public static final String PTRACE_REFUSED = "PtraceRefused";

  /** The process exited before or during the snapshot. */
  public static final String PROCESS_EXITED = "ProcessExited";

  /** The agent cannot take snapshots here (its Java is older than 22, not x86_64). */
  public static final String UNSUPPORTED = "Unsupported";

  /** The request names no pod, or a method or trigger the agent does not know. */
  public static final String INVALID = "Invalid";

  /** The request's node label names another node than the pod's. */
  public static final String NOT_THIS_NODE = "NotThisNode";

  /** Too many snapshots in flight or of this workload lately; ask again later. */
  public static final String RATE_LIMITED = "RateLimited";

  /** The snapshot or its upload failed; the message says why. */
  public static final String SNAPSHOT_FAILED = "SnapshotFailed";

  /** Whether the request has ended. */
  public boolean done() {
    return SUCCEEDED.equals(phase) || FAILED.equals(phase);
  }
}
