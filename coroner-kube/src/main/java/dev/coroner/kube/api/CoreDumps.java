package dev.coroner.kube.api;

import dev.coroner.base.units.ByteSizes;
import dev.coroner.dump.Compression;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.DumpProblem;
import dev.coroner.store.StoredDump;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A dump's metadata as a {@link CoreDump} and back: what the agent creates after a verified upload,
 * the controller recreates from the bucket, and the CLI lists. The same fields in every direction,
 * so that a CoreDump made from the bucket's listing equals the agent's.
 */
public final class CoreDumps {
  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private CoreDumps() {}

  /**
   * Where a dump's zip is.
   *
   * @param store the store's URL ({@code s3://bucket/prefix/})
   * @param object the zip's object
   * @param bytes the zip's size
   */
  public record Origin(String store, DumpLocation.StoredObject object, long bytes) {}

  /**
   * The controller of the crashed pod, for labels: {@code Deployment}/{@code web}; {@code pod} and
   * the pod's name when it has none.
   */
  public record Workload(String kind, String name) {
    /** From a workload key {@code namespace/Kind/name}; null for anything else. */
    public static @Nullable Workload ofKey(@Nullable String key) {
      String[] parts = key == null ? new String[0] : key.split("/", 3);
      return parts.length == 3 ? new Workload(parts[1], parts[2]) : null;
    }
  }

  /** The namespace a dump's CoreDump lives in: its pod's, else {@code hostNamespace}. */
  public static String namespace(DumpInfo info, String hostNamespace) {
    return info.pod() != null ? info.pod().namespace() : hostNamespace;
  }

  /**
   * The CoreDump of a stored dump, named after its uuid, with the finalizer and labels.
   *
   * @param workload the pod's controller, or null when unknown
   * @throws IllegalArgumentException when the dump's uuid is not a uuid (no valid name)
   */
  public static CoreDump of(
      DumpInfo info, Origin origin, String namespace, @Nullable Workload workload) {
    if (info.uuid() == null || !UUID.matcher(info.uuid()).matches()) {
      throw new IllegalArgumentException("not a dump's uuid: '" + info.uuid() + "'");
    }
    CoreDump d = new CoreDump();
    d.setMetadata(
        new ObjectMetaBuilder()
            .withName(info.uuid())
            .withNamespace(namespace)
            .withLabels(labels(info, workload))
            .withFinalizers(List.of(CoronerApi.FINALIZER))
            .build());
    d.setSpec(spec(info, origin, workload));
    return d;
  }

  private static Map<String, String> labels(DumpInfo info, @Nullable Workload workload) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(CoronerApi.LABEL_MANAGED_BY, CoronerApi.MANAGER);
    put(labels, CoronerApi.LABEL_NODE, node(info));
    DumpInfo.PodInfo pod = info.pod();
    if (pod != null) {
      put(labels, CoronerApi.LABEL_POD, pod.name());
      String kind = workload == null ? "pod" : workload.kind();
      String name = workload == null ? pod.name() : workload.name();
      put(labels, CoronerApi.LABEL_WORKLOAD_KIND, kind);
      put(labels, CoronerApi.LABEL_WORKLOAD, name);
    }
    return labels;
  }

  private static void put(Map<String, String> labels, String key, String value) {
    String v = CoronerApi.labelValue(value);
    if (v != null) {
      labels.put(key, v);
    }
  }

  /** The Kubernetes node, else the host's name. */
  private static String node(DumpInfo info) {
    DumpInfo.PodInfo pod = info.pod();
    String node = pod == null ? null : pod.node();
    return node != null ? node : info.nodeHostname();
  }

  private static CoreDumpSpec spec(DumpInfo info, Origin origin, @Nullable Workload workload) {
    DumpInfo.ProcessInfo p = info.process();
    DumpInfo.PodInfo pod = info.pod();
    DumpInfo.CoreInfo core = info.core();
    Compression compression = core.compression();
    IntegrityCause cause = info.integrity().cause();
    return new CoreDumpSpec(
        info.uuid(),
        info.name(),
        Instant.ofEpochSecond(info.timestamp()).toString(),
        node(info),
        info.hostname(),
        new CoreDumpSpec.CrashedProcess(
            p.exe(),
            p.exePath(),
            p.pid(),
            p.hostPid(),
            p.uid() < 0 ? null : p.uid(),
            p.gid() < 0 ? null : p.gid(),
            p.signal(),
            p.signalName(),
            p.containerId()),
        pod == null
            ? null
            : new CoreDumpSpec.Pod(
                pod.name(),
                pod.uid(),
                pod.container(),
                pod.image(),
                pod.imageDigest(),
                workload == null ? "pod/" + pod.name() : workload.kind() + "/" + workload.name()),
        new CoreDumpSpec.Core(
            core.entry(),
            compression == null ? null : compression.id(),
            core.size(),
            core.storedSize(),
            core.sha256()),
        new CoreDumpSpec.Integrity(
            !info.integrity().truncated(),
            cause == null ? null : cause.id(),
            info.integrity().reason()),
        core.entry() == null ? "none" : ByteSizes.format(core.size()),
        new CoreDumpSpec.StoredObject(
            origin.store(), origin.object().bucket(), origin.object().key(), origin.bytes()),
        crash(info.analysis()),
        scrub(info.scrub()),
        encryption(info.encryption()));
  }

  private static CoreDumpSpec.@Nullable Scrub scrub(DumpInfo.@Nullable ScrubInfo s) {
    return s == null ? null : new CoreDumpSpec.Scrub(s.mode(), s.complete());
  }

  private static @Nullable String encryption(DumpInfo.@Nullable EncryptionInfo e) {
    return e == null ? null : e.format();
  }

  private static CoreDumpSpec.@Nullable Crash crash(@Nullable CrashAnalysis a) {
    // Terminal-safe already (SafeText where shown); the Event and kubectl show the same text.
    return a == null
        ? null
        : new CoreDumpSpec.Crash(a.runtime(), a.signature(), a.signature3(), a.topFrame());
  }

  /**
   * The dump-info a CoreDump carries: enough to list, filter, name, fetch and verify the dump (the
   * command line, files and warnings are only in the zip).
   *
   * @throws IllegalArgumentException when the CoreDump lacks what every dump has
   */
  public static DumpInfo info(CoreDump d) {
    CoreDumpSpec s = d.getSpec();
    String uuid = s == null ? null : s.uuid();
    CoreDumpSpec.CrashedProcess p = s == null ? null : s.process();
    CoreDumpSpec.Core c = s == null ? null : s.core();
    if (s == null || uuid == null || p == null || c == null) {
      throw new IllegalArgumentException(
          "CoreDump " + d.getMetadata().getName() + " has no uuid, process or core");
    }
    CoreDumpSpec.Crash crash = s.crash();
    CoreDumpSpec.Scrub scrub = s.scrub();
    CoreDumpSpec.Integrity i =
        s.integrity() != null ? s.integrity() : new CoreDumpSpec.Integrity(true, null, null);
    // What the agent always writes, and a CoreDump written by hand or by another version may lack:
    // its absence is not damage. The name falls back to the CoreDump's own (the dump's uuid), the
    // node to "unknown", and the pod's identity to "" as the bucket's listing index has it.
    String name = s.name() != null ? s.name() : d.getMetadata().getName();
    String node = s.node() != null ? s.node() : "unknown";
    CoreDumpSpec.Pod sp = s.pod();
    DumpInfo.PodInfo pod =
        sp == null
            ? null
            : new DumpInfo.PodInfo(
                d.getMetadata().getNamespace(),
                orEmpty(sp.name()),
                orEmpty(sp.uid()),
                orEmpty(sp.container()),
                orEmpty(sp.image()),
                sp.imageDigest(),
                null,
                s.node(),
                Map.of(),
                Map.of());
    long pid = orMinus(p.pid());
    long hostPid = orMinus(p.hostPid());
    return new DumpInfo(
        DumpInfo.SCHEMA_VERSION,
        uuid,
        name,
        epochSeconds(CoronerApi.instant(s.crashTime())),
        s.hostname(),
        node,
        new DumpInfo.ProcessInfo(
            p.exe(),
            p.exePath(),
            List.of(),
            pid,
            hostPid,
            pid,
            hostPid,
            orMinus(p.uid()),
            orMinus(p.gid()),
            p.signal() == null ? 0 : p.signal(),
            p.containerId(),
            null,
            false),
        pod,
        new DumpInfo.CoreInfo(
            c.entry(),
            c.compression() == null ? null : Compression.parse(c.compression()),
            orMinus(c.bytes()),
            orMinus(c.storedBytes()),
            c.sha256(),
            null),
        DumpInfo.Integrity.read(!i.complete(), i.cause(), i.reason()),
        List.of(),
        new DumpInfo.ComposerInfo("unknown", 0, List.of()),
        null,
        scrub == null || scrub.mode() == null
            ? null
            : new DumpInfo.ScrubInfo(
                scrub.mode(), Map.of(), !Boolean.FALSE.equals(scrub.complete()), 0),
        s.encryption() == null
            ? null
            : new DumpInfo.EncryptionInfo(s.encryption(), List.of(), DumpInfo.WITHHELD),
        crash == null
            ? null
            : CrashAnalysis.listed(
                crash.runtime(), crash.signature(), crash.signature3(), crash.topFrame()),
        List.of());
  }

  /**
   * The dump a CoreDump names, as its store lists it: at its object in the bucket, with the
   * dump-info the CoreDump carries (null if it lacks that).
   *
   * @throws IllegalArgumentException when the CoreDump names no object
   */
  public static StoredDump object(CoreDump d) {
    CoreDumpSpec s = d.getSpec();
    CoreDumpSpec.StoredObject o = s == null ? null : s.object();
    if (s == null || o == null || o.bucket() == null || o.key() == null) {
      throw new IllegalArgumentException(
          "CoreDump "
              + d.getMetadata().getNamespace()
              + "/"
              + d.getMetadata().getName()
              + " names no object");
    }
    DumpInfo info;
    try {
      info = info(d);
    } catch (RuntimeException e) {
      info = null;
    }
    String created = d.getMetadata().getCreationTimestamp();
    return new StoredDump(
        s.name() != null ? s.name() : d.getMetadata().getName(),
        o.bytes() == null ? 0 : o.bytes(),
        java.util.Objects.requireNonNullElse(CoronerApi.instant(created), Instant.EPOCH),
        new DumpLocation.StoredObject("s3", o.bucket(), o.key()),
        info,
        info == null ? DumpProblem.damaged("the CoreDump lacks dump-info") : null);
  }

  private static long orMinus(@Nullable Long v) {
    return v == null ? -1 : v;
  }

  private static String orEmpty(@Nullable String v) {
    return v == null ? "" : v;
  }

  private static long epochSeconds(@Nullable Instant t) {
    return t == null ? 0 : t.getEpochSecond();
  }
}
