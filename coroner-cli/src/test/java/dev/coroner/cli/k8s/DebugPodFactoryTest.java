package dev.coroner.cli.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.store.StoredDump;
import dev.coroner.store.s3.S3Options;
import dev.coroner.store.s3.S3Store;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The debug pod as {@link DebugPodFactory} builds it, for a Node.js, a native and a Java dump. The
 * presigned URL is signed for real by {@link dev.coroner.store.PresignedDownloads#presign} (signing
 * is local; no server).
 */
class DebugPodFactoryTest {
  private static final String SECRET = "wJalrXUtnFEMI-not-a-real-secret";
  private String savedKey;
  private String savedSecret;
  private S3Store store;

  @BeforeEach
  void store() throws Exception {
    savedKey = System.getProperty("aws.accessKeyId");
    savedSecret = System.getProperty("aws.secretAccessKey");
    System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
    System.setProperty("aws.secretAccessKey", SECRET);
    store =
        S3Store.open(
            URI.create("s3://crashes/prod"),
            S3Options.defaults(URI.create("https://s3.example.com"), "eu-west-1", true));
  }

  @AfterEach
  void restore() {
    store.close();
    restore("aws.accessKeyId", savedKey);
    restore("aws.secretAccessKey", savedSecret);
  }

  @Test
  void nodeDumpGetsLlnodeTheDigestPinnedAppImageAndTheTutorialsLayout() throws Exception {
    StoredDump dump = Fixtures.dump("node");
    URI url = store.presignedDownloads().orElseThrow().presign(dump, Duration.ofMinutes(10));
    Pod pod =
        DebugPodFactory.build(
            Fixtures.spec(
                dump, DebugKind.NODEJS, PodImages.app(dump.info().pod(), null).reference(), url));
    String name = dump.name();

    assertThat(pod.getMetadata().getName()).isEqualTo("coroner-debug-a686e8f6-x7k2p");
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("shop");
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "coroner")
        .containsEntry("app.kubernetes.io/component", "debug")
        .containsEntry("coroner.dev/dump", Fixtures.UUID);
    assertThat(pod.getMetadata().getAnnotations())
        .containsEntry("coroner.dev/dump-name", name)
        .containsEntry("coroner.dev/url-expires", "2026-11-27T09:10:15Z");
    assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(4 * 3600L);
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getSpec().getEnableServiceLinks()).isFalse();

    assertThat(pod.getSpec().getInitContainers())
        .extracting(Container::getName, Container::getImage)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("exe", Fixtures.APP_DIGEST),
            org.assertj.core.groups.Tuple.tuple(
                "fetch", "ghcr.io/coroner-dev/coroner-debug-nodejs:0.1.0"));
    assertThat(pod.getSpec().getContainers())
        .extracting(Container::getName, Container::getImage)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "debug", "ghcr.io/coroner-dev/coroner-debug-nodejs:0.1.0"));

    Container exe = container(pod, "exe");
    assertThat(exe.getCommand()).containsExactly("cp", "--", "$(EXE_PATH)", "/shared/node");
    assertThat(env(exe)).containsExactly(Map.entry("EXE_PATH", "/usr/bin/node"));
    assertThat(mounts(exe)).containsExactly("exe:/shared:rw");

    Container fetch = container(pod, "fetch");
    assertThat(fetch.getCommand()).hasSize(4).startsWith("bash", "-c");
    assertThat(fetch.getCommand().get(2)).contains("sha256sum", "curl -fsS", "zstd -dcq");
    assertThat(env(fetch))
        .containsEntry("DUMP_URL", url.toString())
        .containsEntry("DUMP_NAME", name)
        .containsEntry("DUMP_DIR", "/debug")
        .containsEntry("CORE_ENTRY", name + ".core.zst")
        .containsEntry("CORE_COMPRESSION", "zstd")
        .containsEntry("CORE_SHA256", "cd".repeat(32))
        .containsEntry("CORE_LOCATION", "/debug/" + name + "/" + name + ".core");
    assertThat(mounts(fetch)).containsExactly("dump:/debug:rw", "tmp:/tmp:rw");

    Container debug = container(pod, "debug");
    assertThat(debug.getCommand()).containsExactly("sleep", "infinity");
    assertThat(debug.getWorkingDir()).isEqualTo("/debug");
    assertThat(env(debug))
        .containsExactly(
            Map.entry("CORE_LOCATION", "/debug/" + name + "/" + name + ".core"),
            Map.entry("EXE_LOCATION", "/shared/node"),
            Map.entry("DUMP_NAME", name),
            Map.entry("HOME", "/tmp"));
    assertThat(mounts(debug)).containsExactly("dump:/debug:ro", "exe:/shared:ro", "tmp:/tmp:rw");

    // The URL's own expiry is the TTL, and it is signed for this one object.
    assertThat(url.getQuery()).contains("X-Amz-Expires=600");
    assertThat(url.getPath()).isEqualTo("/crashes/prod/shop/" + name + ".zip");
  }

  @Test
  void keptBinariesNeedNoAppImageAndBecomeTheDebuggersSysroot() throws Exception {
    StoredDump dump = Fixtures.dump("node");
    URI url = URI.create("https://s3.example/dump?X-Amz-Signature=1");
    DebugPodSpec plain = Fixtures.spec(dump, DebugKind.NODEJS, null, url);
    List<DebugPodSpec.PodBinary> kept =
        List.of(
            new DebugPodSpec.PodBinary(
                "/usr/bin/node", 3L << 30, "ab".repeat(32), URI.create("https://s3.example/node")),
            new DebugPodSpec.PodBinary(
                "/lib/x86_64-linux-gnu/libc.so.6",
                2 << 20,
                "cd".repeat(32),
                URI.create("https://s3.example/libc")));
    DebugPodSpec spec =
        new DebugPodSpec(
            plain.podName(),
            plain.namespace(),
            plain.dump(),
            null,
            plain.debugImage(),
            plain.kind(),
            plain.exePath(),
            plain.url(),
            plain.urlExpires(),
            plain.deadline(),
            plain.pullSecrets(),
            kept);
    assertThat(spec.toString()).doesNotContain("s3.example");
    Pod pod = DebugPodFactory.build(spec);
    assertThat(pod.getSpec().getInitContainers())
        .as("the executable is kept: no app image to pull")
        .extracting(Container::getName)
        .containsExactly("fetch");
    Container fetch = container(pod, "fetch");
    assertThat(env(fetch))
        .containsEntry("SYSROOT", "/shared/sysroot")
        .containsEntry(
            "BINARIES",
            "ab".repeat(32)
                + "\t/usr/bin/node\thttps://s3.example/node\n"
                + "cd".repeat(32)
                + "\t/lib/x86_64-linux-gnu/libc.so.6\thttps://s3.example/libc\n");
    assertThat(mounts(fetch)).containsExactly("dump:/debug:rw", "exe:/shared:rw", "tmp:/tmp:rw");
    assertThat(fetch.getCommand().get(2)).contains("BINARIES", "sha256sum");
    Container debug = container(pod, "debug");
    assertThat(env(debug))
        .containsEntry("EXE_LOCATION", "/shared/sysroot/usr/bin/node")
        .containsEntry("SYSROOT", "/shared/sysroot");
    assertThat(
            pod.getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("exe"))
                .findFirst()
                .orElseThrow()
                .getEmptyDir()
                .getSizeLimit()
                .toString())
        .as("room for what is kept")
        .isEqualTo("3330Mi");
  }

  @Test
  void onlyAKeptExecutableSparesTheAppImage() {
    StoredDump dump = Fixtures.dump("node");
    String id = "ab".repeat(20);
    var kept = dev.coroner.dump.KeptBinary.kept("/usr/bin/node", id, 10, "cd".repeat(32));
    var notKept = dev.coroner.dump.KeptBinary.notKept("/usr/bin/node", id, 10, "too large");
    for (var b : List.of(kept, notKept)) {
      var r =
          new K8sDebug.Request(
              dump,
              dump.info(),
              DebugKind.NODEJS,
              null,
              null,
              null,
              List.of(),
              true,
              List.of(b),
              (x, ttl) -> URI.create("https://s3.example/x"));
      assertThat(r.exeKept()).as(b.toString()).isEqualTo(b.kept());
    }
  }

  @Test
  void pathsThatCouldLeaveTheSysrootAreNotFetched() {
    assertThat(K8sDebug.safePath("/usr/lib/x86_64-linux-gnu/libstdc++.so.6")).isTrue();
    assertThat(K8sDebug.safePath("/app/../../etc/passwd")).isFalse();
    assertThat(K8sDebug.safePath("relative/lib.so")).isFalse();
    assertThat(K8sDebug.safePath("/a/b\tc")).isFalse();
    assertThat(K8sDebug.safePath("/a/lib.so (deleted)")).isFalse();
  }

  @Test
  void noSecretGoesIntoThePod() throws Exception {
    StoredDump dump = Fixtures.dump("node");
    Pod pod =
        DebugPodFactory.build(
            Fixtures.spec(
                dump,
                DebugKind.NODEJS,
                Fixtures.APP_IMAGE,
                store.presignedDownloads().orElseThrow().presign(dump, Duration.ofMinutes(15))));
    String yaml = new KubernetesSerialization().asYaml(pod);
    assertThat(yaml)
        .doesNotContain(SECRET)
        .doesNotContain("secretKeyRef")
        .doesNotContain("envFrom")
        .doesNotContain("AWS_")
        .doesNotContain("secret:") // no secret volumes
        .doesNotContain("serviceAccountName")
        .contains(
            "X-Amz-Credential=AKIDEXAMPLE"); // the key's ID names the signer; it opens nothing
    for (Container c : containers(pod)) {
      assertThat(c.getEnvFrom()).as(c.getName()).isNullOrEmpty();
      assertThat(c.getEnv())
          .as(c.getName())
          .allSatisfy(
              e -> {
                assertThat(e.getValueFrom()).isNull();
                assertThat(e.getName()).doesNotStartWith("AWS_");
              });
    }
    assertThat(pod.getSpec().getVolumes()).allSatisfy(v -> assertThat(v.getSecret()).isNull());
    // Only the fetch step sees the URL.
    assertThat(containers(pod))
        .filteredOn(c -> env(c).containsKey("DUMP_URL"))
        .extracting(Container::getName)
        .containsExactly("fetch");
  }

  @Test
  void everyContainerIsRestrictedAndSized() {
    StoredDump dump = Fixtures.dump("node");
    Pod pod =
        DebugPodFactory.build(
            Fixtures.spec(dump, DebugKind.NODEJS, Fixtures.APP_IMAGE, K8sDebug.PLACEHOLDER_URL));
    var podSecurity = pod.getSpec().getSecurityContext();
    assertThat(podSecurity.getRunAsNonRoot()).isTrue();
    assertThat(podSecurity.getRunAsUser()).isEqualTo(65534L);
    assertThat(podSecurity.getRunAsGroup()).isEqualTo(65534L);
    assertThat(podSecurity.getFsGroup()).isEqualTo(65534L);
    assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getSpec().getHostPID()).isNull();
    assertThat(pod.getSpec().getHostNetwork()).isNull();
    for (Container c : containers(pod)) {
      SecurityContext sc = c.getSecurityContext();
      assertThat(sc.getPrivileged()).as(c.getName()).isFalse();
      assertThat(sc.getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
      assertThat(sc.getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
      assertThat(sc.getRunAsNonRoot()).as(c.getName()).isTrue();
      // A core is a file: reading it needs no ptrace, so no capability at all.
      assertThat(sc.getCapabilities().getDrop()).as(c.getName()).containsExactly("ALL");
      assertThat(sc.getCapabilities().getAdd()).as(c.getName()).isNullOrEmpty();
      assertThat(c.getResources().getRequests()).as(c.getName()).containsKeys("cpu", "memory");
      assertThat(c.getResources().getLimits()).as(c.getName()).containsKeys("cpu", "memory");
    }
    long core = dump.info().core().size(); // 50 MiB
    Container debug = container(pod, "debug");
    assertThat(bytes(debug.getResources().getLimits().get("memory")))
        .isEqualTo(1024L * (1 << 20) + core);
    // Rounded up to whole MiB.
    assertThat(bytes(debug.getResources().getRequests().get("memory")))
        .isBetween(256L * (1 << 20) + core / 4, 257L * (1 << 20) + core / 4);
    long dumpVolume = dump.size() + core + core / 5 + 64L * (1 << 20);
    assertThat(bytes(debug.getResources().getRequests().get("ephemeral-storage")))
        .isBetween(dumpVolume + 256L * (1 << 20), dumpVolume + 257L * (1 << 20));
    Map<String, Volume> volumes =
        pod.getSpec().getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
    assertThat(volumes).containsOnlyKeys("dump", "exe", "tmp");
    assertThat(volumes.values()).allSatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());
    assertThat(bytes(volumes.get("dump").getEmptyDir().getSizeLimit()))
        .isBetween(dumpVolume, dumpVolume + (1 << 20));
    assertThat(volumes.get("exe").getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("2Gi"));
    assertThat(pod.getSpec().getInitContainers())
        .allSatisfy(
            c -> assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError"));
  }

  @Test
  void nativeDumpGetsGdbAndItsOwnExecutable() {
    StoredDump dump = Fixtures.dump("crasher");
    Pod pod =
        DebugPodFactory.build(
            Fixtures.spec(
                dump, DebugKind.NATIVE_GDB, Fixtures.APP_DIGEST, K8sDebug.PLACEHOLDER_URL));
    assertThat(container(pod, "debug").getImage())
        .isEqualTo("ghcr.io/coroner-dev/coroner-debug-native:0.1.0");
    assertThat(container(pod, "fetch").getImage())
        .isEqualTo("ghcr.io/coroner-dev/coroner-debug-native:0.1.0");
    assertThat(container(pod, "exe").getCommand())
        .containsExactly("cp", "--", "$(EXE_PATH)", "/shared/crasher");
    assertThat(env(container(pod, "exe"))).containsEntry("EXE_PATH", "/usr/bin/crasher");
    assertThat(env(container(pod, "debug")))
        .containsEntry("EXE_LOCATION", "/shared/crasher")
        .doesNotContainKey("DEBUGGER");

    Pod lldb =
        DebugPodFactory.build(
            Fixtures.spec(
                dump, DebugKind.NATIVE_LLDB, Fixtures.APP_DIGEST, K8sDebug.PLACEHOLDER_URL));
    assertThat(env(container(lldb, "debug"))).containsEntry("DEBUGGER", "lldb");
  }

  @Test
  void javaDumpGetsJhsdb() {
    StoredDump dump = Fixtures.dump("java");
    Pod pod =
        DebugPodFactory.build(
            Fixtures.spec(dump, DebugKind.JAVA, Fixtures.APP_DIGEST, K8sDebug.PLACEHOLDER_URL));
    assertThat(container(pod, "debug").getImage())
        .isEqualTo("ghcr.io/coroner-dev/coroner-debug-java:0.1.0");
    assertThat(env(container(pod, "debug"))).containsEntry("EXE_LOCATION", "/shared/java");
  }

  @Test
  void appImageIsPinnedToTheDigestThatCrashedUnlessOverridden() {
    var pod = Fixtures.pod();
    assertThat(PodImages.app(pod, null))
        .isEqualTo(new PodImages.AppImage(Fixtures.APP_DIGEST, null));
    assertThat(PodImages.app(pod, "node:20.11.1-slim").reference()).isEqualTo("node:20.11.1-slim");
    var imageIdOnly =
        new dev.coroner.dump.DumpInfo.PodInfo(
            "shop",
            "web",
            "uid",
            "web",
            Fixtures.APP_IMAGE,
            "sha256:" + "ab".repeat(32),
            null,
            null,
            null,
            null);
    assertThat(PodImages.app(imageIdOnly, null).reference()).isEqualTo(Fixtures.APP_IMAGE);
    assertThat(PodImages.app(imageIdOnly, null).note()).contains("image ID", "may have moved");
    var noDigest =
        new dev.coroner.dump.DumpInfo.PodInfo("shop", "web", "uid", "web", Fixtures.APP_IMAGE);
    assertThat(PodImages.app(noDigest, null).note()).contains("no image digest");
    var pinnedInSpec =
        new dev.coroner.dump.DumpInfo.PodInfo("shop", "web", "uid", "web", Fixtures.APP_DIGEST);
    assertThat(PodImages.app(pinnedInSpec, null))
        .isEqualTo(new PodImages.AppImage(Fixtures.APP_DIGEST, null));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PodImages.app(null, null))
        .hasMessageContaining("pass -i IMAGE");
    assertThat(PodImages.debug(DebugKind.NODEJS, null, null))
        .isEqualTo("ghcr.io/coroner-dev/coroner-debug-nodejs:latest");
    assertThat(PodImages.debug(DebugKind.JAVA, "my/jhsdb:17", "0.1.0")).isEqualTo("my/jhsdb:17");
  }

  @Test
  void podNamesAreValidAndTellWhoseDumpItIs() {
    String a = K8sDebug.podName(Fixtures.UUID);
    String b = K8sDebug.podName(Fixtures.UUID);
    assertThat(a).matches("coroner-debug-a686e8f6-[a-z0-9]{5}").isNotEqualTo(b);
    assertThat(a.length()).isLessThanOrEqualTo(63);
  }

  @Test
  void specNeverPrintsTheUrl() throws Exception {
    StoredDump dump = Fixtures.dump("node");
    URI url = store.presignedDownloads().orElseThrow().presign(dump, Duration.ofMinutes(1));
    DebugPodSpec spec = Fixtures.spec(dump, DebugKind.NODEJS, Fixtures.APP_IMAGE, url);
    assertThat(spec.toString()).doesNotContain("X-Amz").doesNotContain(url.getHost());
  }

  private static long bytes(Quantity q) {
    return Quantity.getAmountInBytes(q).longValueExact();
  }

  private static List<Container> containers(Pod pod) {
    return Stream.concat(
            pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
        .toList();
  }

  private static Container container(Pod pod, String name) {
    return containers(pod).stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  private static Map<String, String> env(Container c) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar e : c.getEnv()) {
      env.put(e.getName(), e.getValue());
    }
    return env;
  }

  private static List<String> mounts(Container c) {
    return c.getVolumeMounts().stream()
        .map(m -> m.getName() + ":" + m.getMountPath() + ":" + (isReadOnly(m) ? "ro" : "rw"))
        .toList();
  }

  private static boolean isReadOnly(VolumeMount m) {
    return Boolean.TRUE.equals(m.getReadOnly());
  }

  private static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }
}
