package dev.coroner.kube.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * A dump's metadata as a CoreDump carries it: who died and how, whether the core is whole, and
 * where the dump's object is. Never the command line, the environment or the core: those may hold
 * secrets and stay in the bucket.
 *
 * <p>Every field is read back from the API server, where a CoreDump may have been written by hand
 * or by another version: each may be absent (null), and readers decide what its absence means.
 *
 * @param uuid the dump's uuid (also the CoreDump's name)
 * @param name the dump's name (its zip's, without {@code .zip})
 * @param crashTime when the process died (RFC 3339)
 * @param node the node it died on: the Kubernetes node, else the host's name
 * @param hostname the crashed process's hostname (a pod's name in a container)
 * @param process the process
 * @param pod the pod; null for a host process
 * @param core the core as the kernel sent it
 * @param integrity whether the core is whole
 * @param size the core's size for people ({@code 1.2 GiB}); {@code core.bytes} is exact
 * @param object where the dump's zip is
 * @param crash where it crashed and its signature, once the agent analyzed the dump; else null
 * @param scrub how the dump was scrubbed before upload (mode, whether the core was kept); null for
 *     a dump captured before scrubbing
 * @param encryption the format the object is encrypted in at rest ({@code age}); null: plain
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CoreDumpSpec(
    @Nullable String uuid,
    @Nullable String name,
    @Nullable String crashTime,
    @Nullable String node,
    @Nullable String hostname,
    @Nullable CrashedProcess process,
    @Nullable Pod pod,
    @Nullable Core core,
    @Nullable Integrity integrity,
    @Nullable String size,
    @Nullable StoredObject object,
    @Nullable Crash crash,
    @Nullable Scrub scrub,
    @Nullable String encryption) {

  /** The process that died; {@code pid} in its PID namespace, {@code hostPid} on the host. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record CrashedProcess(
      @Nullable String exe,
      @Nullable String exePath,
      @Nullable Long pid,
      @Nullable Long hostPid,
      @Nullable Long uid,
      @Nullable Long gid,
      @Nullable Integer signal,
      @Nullable String signalName,
      @Nullable String containerId) {}

  /**
   * The crashed pod (in the CoreDump's namespace).
   *
   * @param workload {@code Kind/name} of the pod's controller, {@code pod/NAME} without one
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Pod(
      @Nullable String name,
      @Nullable String uid,
      @Nullable String container,
      @Nullable String image,
      @Nullable String imageDigest,
      @Nullable String workload) {}

  /**
   * The core: its entry in the zip, how it is compressed, its raw size and sha256.
   *
   * @param storedBytes the entry's compressed size
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Core(
      @Nullable String entry,
      @Nullable String compression,
      @Nullable Long bytes,
      @Nullable Long storedBytes,
      @Nullable String sha256) {}

  /**
   * Whether the core is whole; the cause's stable id and the reason's text when not.
   *
   * @param complete true for a whole core
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Integrity(boolean complete, @Nullable String cause, @Nullable String reason) {}

  /**
   * The dump's zip in object storage.
   *
   * @param store the store's URL ({@code s3://bucket/prefix/})
   * @param bucket the bucket
   * @param key the object's key
   * @param bytes the zip's size
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record StoredObject(
      @Nullable String store,
      @Nullable String bucket,
      @Nullable String key,
      @Nullable Long bytes) {}

  /**
   * The analysis's summary (the frames stay in the dump's dump-info): what {@code kubectl get
   * coredumps} shows in its CRASH column and what {@code coroner groups} groups by.
   *
   * @param runtime {@code node}, {@code java} or {@code native}
   * @param signature the hash of the top five in-app frames
   * @param signature3 the hash of the top three (coarser)
   * @param topFrame the top in-app frame, e.g. {@code bar (index.js:13)}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Crash(
      @Nullable String runtime,
      @Nullable String signature,
      @Nullable String signature3,
      @Nullable String topFrame) {}

  /**
   * The scrub's summary; the rules and counts are in the dump's dump-info.
   *
   * @param mode {@code default}, {@code drop-heap} or {@code off}
   * @param complete false when the core could not be scrubbed and was dropped
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Scrub(@Nullable String mode, @Nullable Boolean complete) {}
}
