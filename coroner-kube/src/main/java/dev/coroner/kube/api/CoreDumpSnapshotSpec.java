package dev.coroner.kube.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * What a snapshot request asks for. Read back from the API server as whoever created it wrote it:
 * the agent refuses ({@link CoreDumpSnapshotStatus#INVALID}) a request that names no pod, or a
 * method or trigger it does not know.
 *
 * @param pod the pod's name, in the request's namespace
 * @param container the container's name; null: the pod's only container (or its first, as kubectl
 *     picks it with the {@code kubectl.kubernetes.io/default-container} annotation)
 * @param method {@code fork} (the default: frozen only while a copy-on-write child is made) or
 *     {@code stop} (frozen for the whole dump, as gcore does; for a process that cannot fork)
 * @param trigger who asked: null or {@link #ON_DEMAND} for a person, else the agent's trigger
 *     ({@link #LIVENESS}, {@link #MEMORY}, {@link #CPU})
 * @param reason why, for people: what the trigger saw (a trigger sets it; a person may)
 * @param requester who asked, as the API server authenticated them (the CLI writes it; the agent's
 *     triggers write their service account)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CoreDumpSnapshotSpec(
    @Nullable String pod,
    @Nullable String container,
    @Nullable String method,
    @Nullable String trigger,
    @Nullable String reason,
    @Nullable String requester) {

  /** A person asked ({@code coroner snapshot POD}). */
  public static final String ON_DEMAND = "on-demand";

  /** The liveness trigger: the Nth consecutive failed liveness probe. */
  public static final String LIVENESS = "liveness";

  /** The memory trigger: the container's memory above N% of its cgroup limit. */
  public static final String MEMORY = "memory";

  /** The CPU trigger: the container above N% of its CPU for a while. */
  public static final String CPU = "cpu";

  /** A request from a person for {@code container} of {@code pod}. */
  public static CoreDumpSnapshotSpec onDemand(
      String pod, @Nullable String container, @Nullable String method, @Nullable String requester) {
    return new CoreDumpSnapshotSpec(pod, container, method, ON_DEMAND, null, requester);
  }
}
