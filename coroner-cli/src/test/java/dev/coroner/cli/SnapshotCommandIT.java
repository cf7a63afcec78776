package dev.coroner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coroner.dump.DumpInfo;
import dev.coroner.snapshot.Snapshotter;
import dev.coroner.store.archive.DumpInfoJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coroner snapshot} on real processes (root, Java 22+): the seed's Node.js app changed to
 * spin keeps answering and beating after its snapshot, and lldb + llnode find {@code spin(} in the
 * dump through {@code coroner debug}; errors through the command line, with their exit codes.
 */
class SnapshotCommandIT {
  private static final Path APP =
      Path.of("../coroner-snapshot/src/test/resources/dev/coroner/snapshot/spinning-app.js")
          .toAbsolutePath()
          .normalize();
  private static final Path THREADS =
      Path.of("../coroner-snapshot/src/test/resources/dev/coroner/snapshot/threads.c")
          .toAbsolutePath()
          .normalize();

  @TempDir Path tmp;

  @BeforeAll
  static void needsRootAndJava22() {
    assumeTrue(
        Snapshotter.system().unavailableReason().isEmpty(),
        Snapshotter.system().unavailableReason());
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
  }

  @Test
  void theNodeAppRunsOnAndItsSnapshotShowsSpinInV8Bt() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path out = tmp.resolve("node.out");
    int pid =
        detached(
            out, "env SPIN_MS=50 HEARTBEAT=1 BEAT_EVERY=5 PORT=" + port + " node '" + APP + "'");
    try {
      String dumps = tmp.resolve("dumps").toString();
      String cache = tmp.resolve("cache").toString();
      String bt = "";
      // A snapshot lands inside spin() about 99 times in 100 (50 ms slices, an idle loop between).
      // The 1 ms interval fires once per slice: a "beat" line about every 250 ms.
      for (int attempt = 0; attempt < 3 && !bt.contains("spin("); attempt++) {
        CliRun snap = CliRun.of("snapshot", Integer.toString(pid), "--store", dumps);
        assertThat(snap.code()).as(snap.err()).isZero();
        assertThat(snap.err()).contains("Stopping process " + pid, "stopped for", "threads");
        assertThat(snap.out()).contains("Snapshot ", "Open it: coroner debug ");
        assertRunsOn(pid, out, port);
        CliRun debug =
            CliRun.of(
                "debug",
                "latest",
                "--store",
                dumps,
                "--cache-dir",
                cache,
                "--batch",
                "-o",
                "v8 bt");
        assertThat(debug.code()).as(debug.err()).isZero();
        bt = debug.out();
      }
      assertThat(bt).contains("spin(");
      CliRun list = CliRun.of("list", "--store", dumps);
      assertThat(list.out()).contains("live").contains("node");
      CliRun info = CliRun.of("info", "latest", "--store", dumps);
      assertThat(info.out())
          .containsPattern("Signal: +0 \\(live\\)")
          .containsPattern("Snapshot: +of a live process \\(fork\\)");
      assertThat(CliRun.of("info", "latest", "--store", dumps, "-o", "json").out())
          .containsPattern("\"snapshot\"\\s*:\\s*\\{\\s*\"method\"\\s*:\\s*\"fork\"");
    } finally {
      kill(pid);
    }
  }

  @Test
  void aSnapshotIsScrubbedAsACrashIsAndItsSecretsAreNotInTheStoredCore() throws Exception {
    Path exe = tmp.resolve("threads");
    run("gcc", "-O1", "-g", "-pthread", "-o", exe.toString(), THREADS.toString());
    // A secret-looking variable's value (the env-secret rule) and an AWS key id in argv (a
    // pattern rule); both sit on the process's stack, so in its core.
    String token = "tok" + java.util.UUID.randomUUID().toString().replace("-", "");
    String key = "AKIA" + randomUpper(16);
    int pid =
        detached(
            tmp.resolve("threads.out"), "env API_TOKEN=" + token + " '" + exe + "' 1 0 " + key);
    try {
      // As captured (--scrub off): the secrets are there, so the test can see them go.
      Path raw = tmp.resolve("raw");
      CliRun off =
          CliRun.of("snapshot", Integer.toString(pid), "--scrub", "off", "--store", raw.toString());
      assertThat(off.code()).as(off.err()).isZero();
      assertThat(off.err()).doesNotContain("Scrubbing");
      DumpInfo offInfo = onlyDumpInfo(raw);
      assertThat(offInfo.scrub()).isNull();
      assertThat(core(raw, offInfo)).contains(token).contains(key);

      // The default, as on a host without 'coroner install': scrubbed before it is listed.
      Path dumps = tmp.resolve("dumps");
      CliRun snap = CliRun.of("snapshot", Integer.toString(pid), "--store", dumps.toString());
      assertThat(snap.code()).as(snap.err()).isZero();
      assertThat(snap.err()).contains("Scrubbing the dump (default)", "Scrubbed (default) in ");
      DumpInfo info = onlyDumpInfo(dumps);
      assertThat(info.scrub()).isNotNull();
      assertThat(info.scrub().mode()).isEqualTo("default");
      assertThat(info.scrub().complete()).isTrue();
      assertThat(info.scrub().rules())
          .hasEntrySatisfying("env-secret", n -> assertThat(n).isPositive())
          .hasEntrySatisfying("aws-access-key-id", n -> assertThat(n).isPositive());
      assertThat(info.snapshot()).isNotNull();
      String core = core(dumps, info);
      assertThat(core).doesNotContain(token).doesNotContain(key);
      // The process's own ELF and stack are still there: a core, not zeros.
      assertThat(core).startsWith("\u007fELF").contains("threads");
      // Nothing is left staged, and the dump is listed.
      try (var staged = Files.list(dumps.resolve(".scrub"))) {
        assertThat(staged.toList()).isEmpty();
      }
      assertThat(CliRun.of("list", "--store", dumps.toString()).out()).contains("threads");
      assertThat(CliRun.of("info", "latest", "--store", dumps.toString(), "-o", "json").out())
          .contains("\"scrub\"")
          .contains("\"default\"");
      assertThat(status(pid, "State:")).matches("[RS] .*");
    } finally {
      kill(pid);
    }
  }

  @Test
  void aBadScrubModeIsAUsageError() {
    CliRun r = CliRun.of("snapshot", "1", "--scrub", "some", "--store", tmp.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--scrub must be off, default or drop-heap");
  }

  @Test
  void aPidThatDoesNotExistExits3() {
    CliRun r = CliRun.of("snapshot", Integer.toString(1 << 22), "--store", tmp.toString());
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("no process " + (1 << 22));
  }

  @Test
  void aBadMethodIsAUsageError() {
    CliRun r = CliRun.of("snapshot", "1", "--method", "gcore", "--store", tmp.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--method must be fork or stop");
  }

  @Test
  void aProcessThatMayNotBeTracedIsRefusedWith9AndLeftRunning() throws Exception {
    Path src = tmp.resolve("nodump.c");
    try (InputStream in = SnapshotCommandIT.class.getResourceAsStream("nodump.c")) {
      Files.copy(in, src);
    }
    Path exe = tmp.resolve("nodump");
    run("gcc", "-o", exe.toString(), src.toString());
    Files.setPosixFilePermissions(
        tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    int pid =
        detached(
            tmp.resolve("nodump.out"),
            "setpriv --reuid=65534 --regid=65534 --clear-groups '" + exe + "'");
    try {
      Path dumps = tmp.resolve("dumps");
      Files.createDirectories(dumps);
      run("chown", "65534:65534", dumps.toString());
      Files.createDirectories(tmp.resolve("nobody"));
      CliRun r =
          AsNobody.run(
              tmp.resolve("nobody"),
              "snapshot",
              Integer.toString(pid),
              "--store",
              dumps.toString());
      assertThat(r.code()).as(r.err()).isEqualTo(9);
      assertThat(r.err())
          .contains("the kernel refused to trace process " + pid)
          .contains("EPERM")
          .contains("CAP_SYS_PTRACE");
      assertThat(status(pid, "State:")).startsWith("S");
      assertThat(status(pid, "TracerPid:")).isEqualTo("0");
    } finally {
      kill(pid);
    }
  }

  /** The dump-info of the one dump in {@code dir}. */
  private static DumpInfo onlyDumpInfo(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      List<Path> zips = files.filter(f -> f.toString().endsWith(".zip")).toList();
      assertThat(zips).hasSize(1);
      try (ZipFile zip = new ZipFile(zips.get(0).toFile())) {
        return DumpInfoJson.parse(zip.getInputStream(zip.getEntry(DumpInfo.ENTRY)).readAllBytes());
      }
    }
  }

  /** The raw core of the dump in {@code dir}, as Latin-1 text to search. */
  private static String core(Path dir, DumpInfo info) throws IOException {
    Path zipFile = dir.resolve(info.name() + ".zip");
    try (ZipFile zip = new ZipFile(zipFile.toFile());
        InputStream in =
            new com.github.luben.zstd.ZstdInputStream(
                zip.getInputStream(zip.getEntry(info.core().entry())))) {
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private static String randomUpper(int n) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    java.util.Random r = new java.security.SecureRandom();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  /** Answers over HTTP, not stopped, not traced, no child left, and still beating. */
  private static void assertRunsOn(int pid, Path out, int port) throws Exception {
    assertThat(status(pid, "State:")).matches("[RS] .*");
    assertThat(status(pid, "TracerPid:")).isEqualTo("0");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> alive =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(alive.body()).isEqualTo("alive\n");
    long beats = beats(out);
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(beats(out)).isGreaterThan(beats + 1));
  }

  private static long beats(Path out) throws IOException {
    return Files.readAllLines(out).stream().filter(l -> l.startsWith("beat ")).count();
  }

  /** Starts a command detached (not this JVM's child), waits for its "ready" line. */
  private static int detached(Path out, String command) throws Exception {
    String pid =
        run("sh", "-c", "setsid " + command + " > '" + out + "' 2>&1 < /dev/null & echo $!")
            .strip();
    String ready =
        org.awaitility.Awaitility.await("start of pid " + pid + ": " + command)
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    Files.exists(out)
                        ? Files.readAllLines(out).stream()
                            .filter(l -> l.startsWith("ready"))
                            .findFirst()
                            .orElse(null)
                        : null,
                java.util.Objects::nonNull);
    return Integer.parseInt(ready.split(" ")[1]);
  }

  private static String status(int pid, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(key)) {
        return line.substring(key.length()).strip();
      }
    }
    return "";
  }

  private static void kill(int pid) throws Exception {
    run("sh", "-c", "kill -9 " + pid + " 2>/dev/null; true");
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    return out;
  }
}
