package dev.coroner.cli.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoredDump;
import dev.coroner.store.archive.DumpArchive;
import dev.coroner.store.s3.S3Options;
import dev.coroner.store.s3.S3Store;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The debug pod's fetch step, run for real: the script and environment exactly as {@link
 * DebugPodFactory} puts them into the init container, executed by bash with the real curl, unzip,
 * zstd and sha256sum against s3proxy, on a dump the real composer wrote. Only {@code /debug} is
 * moved to a temp directory, since no container runs here.
 */
class FetchScriptIT {
  @RegisterExtension
  final S3ProxyExtension s3 =
      S3ProxyExtension.builder()
          .withCredentials("fetch-access", "fetch-secret")
          .ignoreUnknownHeaders()
          .build();

  @TempDir Path tmp;

  @BeforeEach
  void bucket() {
    System.setProperty("aws.accessKeyId", s3.getAccessKey());
    System.setProperty("aws.secretAccessKey", s3.getSecretKey());
    try (S3Client admin =
        S3Client.builder()
            .endpointOverride(s3.getUri())
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(s3.getAccessKey(), s3.getSecretKey())))
            .build()) {
      admin.createBucket(b -> b.bucket("crashes"));
    }
  }

  @AfterEach
  void clearCredentials() {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @Test
  void zstdCoreIsDownloadedLaidOutAndVerified() throws Exception {
    Fetched f = fetch("zstd", Map.of(), System.getenv("PATH"));
    assertThat(f.run().exit()).as(f.run().err()).isZero();
    String name = f.info().name();
    Path dir = f.dumpDir().resolve(name);
    assertThat(dir.resolve(name + ".core")).hasBinaryContent(f.rawCore());
    assertThat(dir.resolve("dump-info.json")).exists();
    assertThat(dir.resolve("proc/maps")).exists();
    assertThat(dir.resolve(name + ".core.zst"))
        .as("the compressed entry is not kept")
        .doesNotExist();
    assertThat(f.dumpDir().resolve(name + ".zip")).as("the zip is removed").doesNotExist();
    assertThat(f.run().out()).contains("matches its sha256").doesNotContain("X-Amz");
  }

  @Test
  void deflatedCoreWorksToo() throws Exception {
    Fetched f = fetch("deflate", Map.of(), System.getenv("PATH"));
    assertThat(f.run().exit()).as(f.run().err()).isZero();
    String name = f.info().name();
    assertThat(f.dumpDir().resolve(name).resolve(name + ".core")).hasBinaryContent(f.rawCore());
  }

  @Test
  void aCoreThatDoesNotMatchItsSha256FailsTheStep() throws Exception {
    Fetched f = fetch("zstd", Map.of("CORE_SHA256", "00".repeat(32)), System.getenv("PATH"));
    assertThat(f.run().exit()).isEqualTo(1);
    assertThat(f.run().err())
        .contains("coroner fetch: the core does not match its sha256 (expected " + "00".repeat(32))
        .contains("the dump is damaged");
  }

  @Test
  void aRefusedUrlSaysSoWithoutPrintingIt() throws Exception {
    Fetched signed = fetch("zstd", Map.of(), System.getenv("PATH"));
    String url = signed.env().get("DUMP_URL");
    String forged =
        url.replaceAll("X-Amz-Signature=[0-9a-f]+", "X-Amz-Signature=" + "0".repeat(64));
    Fetched f = fetch("zstd", Map.of("DUMP_URL", forged), System.getenv("PATH"));
    assertThat(f.run().exit()).isEqualTo(1);
    assertThat(f.run().err())
        .contains("coroner fetch: cannot download the dump")
        .contains("403")
        .contains("--url-ttl")
        .doesNotContain("X-Amz");
  }

  @Test
  void aDebugImageWithoutZstdIsNamed() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    for (String tool :
        List.of("bash", "curl", "unzip", "sha256sum", "mkdir", "rm", "stat", "cut", "tr", "cat")) {
      Path real = Path.of("/usr/bin", tool);
      Files.createSymbolicLink(
          bin.resolve(tool), Files.exists(real) ? real : Path.of("/bin", tool));
    }
    Fetched f = fetch("zstd", Map.of(), bin.toString());
    try (var links = Files.list(bin)) {
      for (Path link : links.toList()) {
        Files.delete(link);
      }
    }
    assertThat(f.run().exit()).isEqualTo(1);
    assertThat(f.run().err())
        .contains("the debug image has no 'zstd'")
        .contains("--debug-image")
        .contains("curl, unzip, zstd and sha256sum");
  }

  /** The pod's fetch step run on a fresh composed dump, and what it had to work with. */
  record Fetched(Run run, DumpInfo info, byte[] rawCore, Path dumpDir, Map<String, String> env) {}

  record Run(int exit, String out, String err) {}

  private Fetched fetch(String compression, Map<String, String> override, String path)
      throws Exception {
    return fetch(compression, override, path, List.of());
  }

  /** Files stored as kept binaries: their path in the process, and their bytes. */
  private List<DebugPodSpec.PodBinary> kept(Map<String, byte[]> files, boolean spoilFirst)
      throws Exception {
    List<DebugPodSpec.PodBinary> out = new ArrayList<>();
    try (S3Store store =
        S3Store.open(
            URI.create("s3://crashes/prod"), S3Options.defaults(s3.getUri(), null, true))) {
      var kept = store.keptBinaries().orElseThrow();
      int n = 0;
      for (var e : files.entrySet()) {
        String id = String.format("%040x", 1000 + n);
        Path f = Files.write(tmp.resolve("bin" + n++), e.getValue());
        String name = dev.coroner.dump.KeptBinary.fileName(e.getKey());
        kept.store(id, name, f);
        String sha =
            java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(e.getValue()));
        if (spoilFirst && out.isEmpty()) {
          sha = "00".repeat(32);
        }
        out.add(
            new DebugPodSpec.PodBinary(
                e.getKey(),
                e.getValue().length,
                sha,
                kept.presign(id, name, Duration.ofMinutes(5))));
      }
    }
    return out;
  }

  @Test
  void keptBinariesAreFetchedIntoTheSysrootAndChecked() throws Exception {
    Map<String, byte[]> files = new java.util.LinkedHashMap<>();
    files.put(
        "/usr/bin/node", "the node executable".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    files.put(
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "a library".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Fetched f = fetch("zstd", Map.of(), System.getenv("PATH"), kept(files, false));
    assertThat(f.run().exit()).as(f.run().err()).isZero();
    Path sysroot = Path.of(f.env().get("SYSROOT"));
    assertThat(sysroot.resolve("usr/bin/node")).hasBinaryContent(files.get("/usr/bin/node"));
    assertThat(sysroot.resolve("usr/lib/x86_64-linux-gnu/libstdc++.so.6")).exists();
    assertThat(f.run().out()).contains("2 kept binaries under");
    assertThat(f.run().out() + f.run().err()).doesNotContain("X-Amz-Signature");

    Fetched bad = fetch("zstd", Map.of(), System.getenv("PATH"), kept(files, true));
    assertThat(bad.run().exit()).isNotZero();
    assertThat(bad.run().err()).contains("the kept binary /usr/bin/node does not match its sha256");
  }

  private Fetched fetch(
      String compression,
      Map<String, String> override,
      String path,
      List<DebugPodSpec.PodBinary> binaries)
      throws Exception {
    Path work = Files.createTempDirectory(tmp, compression);
    Path zip = ComposedDump.compose(work, 2 << 20, compression);
    DumpInfo info;
    byte[] raw;
    try (DumpArchive archive = DumpArchive.open(zip)) {
      info = archive.info();
      var core = new java.io.ByteArrayOutputStream();
      archive.writeCore(core);
      raw = core.toByteArray();
    }
    StoredDump dump;
    URI url;
    try (S3Store store =
        S3Store.open(
            URI.create("s3://crashes/prod"), S3Options.defaults(s3.getUri(), null, true))) {
      store.verifiedUploads().orElseThrow().upload(zip, info);
      dump =
          store.list().stream().filter(d -> d.name().equals(info.name())).findFirst().orElseThrow();
      url = store.presignedDownloads().orElseThrow().presign(dump, Duration.ofMinutes(5));
    }
    Pod pod =
        DebugPodFactory.build(
            new DebugPodSpec(
                "coroner-debug-test",
                "shop",
                new DebugPodSpec.Dump(
                    info.name(),
                    info.uuid(),
                    dump.size(),
                    info.core().entry(),
                    info.core().compression(),
                    info.core().size(),
                    info.core().sha256()),
                "app:1",
                "debug:1",
                DebugKind.NODEJS,
                "/usr/bin/node",
                url,
                Instant.now().plusSeconds(300),
                Duration.ofHours(1),
                List.of(),
                binaries));
    Container fetch =
        pod.getSpec().getInitContainers().stream()
            .filter(c -> c.getName().equals("fetch"))
            .findFirst()
            .orElseThrow();
    Path dumpDir = Files.createDirectories(work.resolve("debug"));
    Path shared = Files.createDirectories(work.resolve("shared"));
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : fetch.getEnv()) {
      // /debug and /shared are the pod's volumes; here they are temp directories.
      env.put(
          e.getName(),
          e.getName().equals("BINARIES") || e.getName().equals("DUMP_URL")
              ? e.getValue()
              : e.getValue()
                  .replace(DebugPodFactory.DUMP_DIR, dumpDir.toString())
                  .replace(DebugPodFactory.EXE_DIR, shared.toString()));
    }
    env.putAll(override);
    env.put("PATH", path);
    List<String> command = new ArrayList<>(fetch.getCommand());
    command.set(0, path.equals(System.getenv("PATH")) ? "bash" : Path.of(path, "bash").toString());
    return new Fetched(run(command, env, work), info, raw, dumpDir, env);
  }

  private static Run run(List<String> command, Map<String, String> env, Path work)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    pb.environment().putAll(env);
    Path out = work.resolve("fetch.out");
    Path err = work.resolve("fetch.err");
    int exit = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start().waitFor();
    return new Run(exit, Files.readString(out), Files.readString(err));
  }
}
