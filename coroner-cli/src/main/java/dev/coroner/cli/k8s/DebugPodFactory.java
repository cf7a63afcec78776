package dev.coroner.cli.k8s;

import dev.coroner.cli.debugger.DebuggerInvocation;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the debug pod: an init container that copies the crashed executable out of the app's
 * image, an init container that fetches the dump through a presigned URL and verifies the core, and
 * an idle debug container with both loaded, into which the CLI execs {@code rundebug.sh}. Built
 * with fabric8's builders; nothing secret goes into it.
 */
public final class DebugPodFactory {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String DUMP_LABEL = "coroner.dev/dump";
  public static final String DUMP_NAME_ANNOTATION = "coroner.dev/dump-name";
  public static final String URL_EXPIRES_ANNOTATION = "coroner.dev/url-expires";

  /** The containers, in the order they run. */
  public static final String EXE_CONTAINER = "exe";

  public static final String FETCH_CONTAINER = "fetch";
  public static final String DEBUG_CONTAINER = "debug";

  /** Where the dump is laid out (the debug images' working directory, as in the tutorial). */
  public static final String DUMP_DIR = "/debug";

  /** Where the executable is copied (the tutorial's EXE_LOCATION=/shared/node). */
  public static final String EXE_DIR = "/shared";

  /** Where kept binaries are laid out at their paths: the debugger's sysroot. */
  public static final String SYSROOT_DIR = EXE_DIR + "/sysroot";

  /** The user every container runs as: nobody, so any image's files stay read-only to it. */
  public static final long UID = 65534;

  private static final long MIB = 1 << 20;
  private static final String EXE_VOLUME_LIMIT = "2Gi";
  private static final String TMP_VOLUME_LIMIT = "256Mi";
  private static final String FETCH_SCRIPT = script("fetch-dump.sh");

  private DebugPodFactory() {}

  /** The pod for {@code spec}. */
  public static Pod build(DebugPodSpec spec) {
    String exeLocation =
        spec.exeKept() ? SYSROOT_DIR + spec.exePath() : EXE_DIR + "/" + baseName(spec.exePath());
    // Kept with the dump, the executable needs no app image: a dump stays debuggable once its
    // image is gone from the registry.
    List<Container> init =
        spec.exeKept()
            ? List.of(fetchContainer(spec))
            : List.of(exeContainer(spec, exeLocation), fetchContainer(spec));
    return new PodBuilder()
        .withNewMetadata()
        .withName(spec.podName())
        .withNamespace(spec.namespace())
        .withLabels(labels(spec))
        .withAnnotations(
            Map.of(
                DUMP_NAME_ANNOTATION, spec.dump().name(),
                URL_EXPIRES_ANNOTATION, spec.urlExpires().toString()))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withActiveDeadlineSeconds(spec.deadline().toSeconds())
        // sleep as PID 1 ignores SIGTERM: do not make every delete wait the default 30 s.
        .withTerminationGracePeriodSeconds(1L)
        // The pod talks to nobody: no API token, no service environment variables.
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(UID)
        .withRunAsGroup(UID)
        .withFsGroup(UID)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withImagePullSecrets(spec.pullSecrets().stream().map(LocalObjectReference::new).toList())
        .withVolumes(volumes(spec))
        // The executable first: a wrong or distroless app image fails in seconds, before the
        // download of a core that may take minutes.
        .withInitContainers(init)
        .withContainers(debugContainer(spec, exeLocation))
        .endSpec()
        .build();
  }

  /** The labels {@code coroner gc} selects by. */
  public static Map<String, String> selector() {
    return Map.of(MANAGED_BY, "coroner", COMPONENT, "debug");
  }

  /** Where the core will be in the pod. */
  public static String coreLocation(DebugPodSpec.Dump dump) {
    return DUMP_DIR + "/" + dump.name() + "/" + dump.name() + ".core";
  }

  /**
   * Bytes the dump volume may hold: the zip until the core is out of it, the core, and a fifth of
   * the core plus 64 MiB for the other entries and the filesystem.
   */
  static long dumpVolumeBytes(DebugPodSpec.Dump dump) {
    return dump.zipSize() + dump.coreSize() + dump.coreSize() / 5 + 64 * MIB;
  }

  private static Map<String, String> labels(DebugPodSpec spec) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "coroner");
    labels.putAll(selector());
    labels.put(DUMP_LABEL, spec.dump().uuid());
    return labels;
  }

  private static List<Volume> volumes(DebugPodSpec spec) {
    return List.of(
        new VolumeBuilder()
            .withName("dump")
            .withNewEmptyDir()
            .withSizeLimit(mebibytes(dumpVolumeBytes(spec.dump())))
            .endEmptyDir()
            .build(),
        new VolumeBuilder()
            .withName("exe")
            .withNewEmptyDir()
            .withSizeLimit(exeVolume(spec))
            .endEmptyDir()
            .build(),
        // Scratch space for a read-only root: lldb's caches, the JVM's hsperfdata.
        new VolumeBuilder()
            .withName("tmp")
            .withNewEmptyDir()
            .withSizeLimit(new Quantity(TMP_VOLUME_LIMIT))
            .endEmptyDir()
            .build());
  }

  /** The executable's volume: 2 GiB, or what the kept binaries take and 256 MiB more. */
  private static Quantity exeVolume(DebugPodSpec spec) {
    long kept = spec.binaries().stream().mapToLong(b -> Math.max(0, b.size())).sum();
    return kept + 256 * MIB > (2048 * MIB)
        ? mebibytes(kept + 256 * MIB)
        : new Quantity(EXE_VOLUME_LIMIT);
  }

  /**
   * The kept binaries for the fetch step, one per line: sha256, path, URL, tab-separated. Paths
   * were checked when the spec was made (absolute, no {@code ..}, no control characters).
   */
  static String binaryLines(DebugPodSpec spec) {
    StringBuilder b = new StringBuilder();
    for (DebugPodSpec.PodBinary bin : spec.binaries()) {
      b.append(bin.sha256()).append('\t').append(bin.path()).append('\t').append(bin.url());
      b.append('\n');
    }
    return b.toString();
  }

  private static Container exeContainer(DebugPodSpec spec, String exeLocation) {
    // No shell: a plain cp, so paths need no quoting and an image with cp but no sh still works.
    // The kubelet expands $(EXE_PATH) from the container's environment.
    return new ContainerBuilder()
        .withName(EXE_CONTAINER)
        .withImage(
            Objects.requireNonNull(
                spec.appImage(), "K8sDebug makes no spec without an app image or the kept exe"))
        .withCommand("cp", "--", "$(EXE_PATH)", exeLocation)
        .withEnv(env(Map.of("EXE_PATH", spec.exePath())))
        .withVolumeMounts(mount("exe", EXE_DIR, false))
        .withSecurityContext(restricted())
        .withResources(resources("50m", "500m", new Quantity("32Mi"), new Quantity("128Mi")))
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .build();
  }

  private static Container fetchContainer(DebugPodSpec spec) {
    DebugPodSpec.Dump dump = spec.dump();
    Map<String, String> env = new LinkedHashMap<>();
    // The one sensitive value: a URL signed for one object that expires (urlExpires).
    env.put("DUMP_URL", spec.url().toString());
    env.put("DUMP_NAME", dump.name());
    env.put("DUMP_DIR", DUMP_DIR);
    env.put("CORE_ENTRY", dump.coreEntry());
    env.put("CORE_COMPRESSION", dump.coreCompression().id());
    env.put("CORE_SHA256", dump.coreSha256());
    env.put("CORE_LOCATION", coreLocation(dump));
    env.put("HOME", "/tmp");
    if (!spec.binaries().isEmpty()) {
      // URLs signed like DUMP_URL, for the kept executable and libraries only.
      env.put("BINARIES", binaryLines(spec));
      env.put(DebuggerInvocation.SYSROOT_ENV, SYSROOT_DIR);
    }
    return new ContainerBuilder()
        .withName(FETCH_CONTAINER)
        .withImage(spec.debugImage())
        .withCommand("bash", "-c", FETCH_SCRIPT, "fetch-dump")
        .withEnv(env(env))
        .withVolumeMounts(
            spec.binaries().isEmpty()
                ? List.of(mount("dump", DUMP_DIR, false), mount("tmp", "/tmp", false))
                : List.of(
                    mount("dump", DUMP_DIR, false),
                    mount("exe", EXE_DIR, false),
                    mount("tmp", "/tmp", false)))
        .withSecurityContext(restricted())
        .withResources(resources("100m", "1", new Quantity("64Mi"), new Quantity("256Mi")))
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .build();
  }

  private static Container debugContainer(DebugPodSpec spec, String exeLocation) {
    DebugPodSpec.Dump dump = spec.dump();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CORE_LOCATION", coreLocation(dump));
    env.put("EXE_LOCATION", exeLocation);
    env.put("DUMP_NAME", dump.name());
    env.put("HOME", "/tmp");
    if (!spec.binaries().isEmpty()) {
      env.put(DebuggerInvocation.SYSROOT_ENV, SYSROOT_DIR);
    }
    env.putAll(spec.debugEnv());
    // A debugger mmaps the core: the page cache it fills is charged to the container, so the
    // limit grows with the core; the request stays modest so the pod fits on a node.
    long core = dump.coreSize();
    ResourceRequirements resources =
        new ResourceRequirementsBuilder(
                resources(
                    "100m", "1", mebibytes(256 * MIB + core / 4), mebibytes(1024 * MIB + core)))
            .addToRequests("ephemeral-storage", mebibytes(dumpVolumeBytes(dump) + 256 * MIB))
            .build();
    return new ContainerBuilder()
        .withName(DEBUG_CONTAINER)
        .withImage(spec.debugImage())
        // Idle until the CLI execs rundebug.sh: the session is an exec, so a dropped connection
        // can attach again instead of losing the pod.
        .withCommand("sleep", "infinity")
        .withWorkingDir(DUMP_DIR)
        .withEnv(env(env))
        .withVolumeMounts(
            mount("dump", DUMP_DIR, true), mount("exe", EXE_DIR, true), mount("tmp", "/tmp", false))
        .withSecurityContext(restricted())
        .withResources(resources)
        .build();
  }

  /**
   * What Pod Security's "restricted" profile asks for. A core file is read, not traced: no debugger
   * needs ptrace (SYS_PTRACE) or any other capability to open one.
   */
  private static SecurityContext restricted() {
    return new SecurityContextBuilder()
        .withPrivileged(false)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsNonRoot(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }

  private static ResourceRequirements resources(
      String cpuRequest, String cpuLimit, Quantity memoryRequest, Quantity memoryLimit) {
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity(cpuRequest))
        .addToRequests("memory", memoryRequest)
        .addToLimits("cpu", new Quantity(cpuLimit))
        .addToLimits("memory", memoryLimit)
        .build();
  }

  private static Quantity mebibytes(long bytes) {
    return new Quantity((bytes + MIB - 1) / MIB + "Mi");
  }

  private static List<EnvVar> env(Map<String, String> values) {
    List<EnvVar> env = new ArrayList<>();
    values.forEach((k, v) -> env.add(new EnvVar(k, v, null)));
    return env;
  }

  private static VolumeMount mount(String volume, String path, boolean readOnly) {
    VolumeMount m = new VolumeMount();
    m.setName(volume);
    m.setMountPath(path);
    m.setReadOnly(readOnly);
    return m;
  }

  private static String baseName(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    return name.isEmpty() ? "exe" : name;
  }

  private static String script(String name) {
    try (InputStream in = DebugPodFactory.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the CLI's jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
