package dev.coroner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.dump.DumpInfo;
import dev.coroner.node.ComposerPayload;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.NodeSetup;
import dev.coroner.store.archive.DumpArchive;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole capture on the real kernel: install through the real install code, crash the example
 * Node.js app, and open what the composer wrote with lldb + llnode. Only dumps of the test's own
 * node process count; the kernel settings are restored in {@link #restore()}.
 */
class CaptureIT {
  static final Path APP =
      Path.of("..", "examples", "crashing-nodejs-app").toAbsolutePath().normalize();

  private static KernelGuard guard;
  private static Path dir;
  private static NodeSetup setup;
  private static long pid;
  private static String nodeOutput;
  private static int nodeExit;

  @BeforeAll
  static void install() throws Exception {
    guard = new KernelGuard();
    dir = Files.createTempDirectory(Path.of("/tmp"), "cap");
    setup = new NodeSetup(dir.resolve("p"), InstallOptions.PROC_SYS, System.out::println);
    setup.install(
        new InstallOptions(
            dir.resolve("p"),
            InstallOptions.PROC_SYS,
            ComposerPayload.javaHome(),
            ComposerPayload.jars(),
            CaptureSettings.defaults().withDumpDir(dir.resolve("dumps")),
            16),
        false);
    Process node =
        new ProcessBuilder("node", "--abort-on-uncaught-exception", "index.js")
            .directory(APP.toFile())
            .redirectErrorStream(true)
            .start();
    nodeOutput = new String(node.getInputStream().readAllBytes());
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
    nodeExit = node.exitValue();
    pid = node.pid();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> dumpsOf(dir.resolve("dumps"), pid).size() == 1);
  }

  @AfterAll
  static void restore() throws Exception {
    try {
      setup.uninstall(false);
      assertThat(KernelGuard.current()).isEqualTo(guard.saved());
    } finally {
      guard.close();
      new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aNodeCrashBecomesACompleteDumpThatLlnodeOpens() throws Exception {
    assertThat(nodeOutput).contains("hello world");
    assertThat(nodeExit).as("killed by SIGTRAP").isEqualTo(128 + 5);
    Path dumps = dir.resolve("dumps");
    Path zip = dumpsOf(dumps, pid).get(0);
    assertThat(partials(dumps)).isEmpty();

    try (DumpArchive dump = DumpArchive.open(zip)) {
      DumpInfo info = dump.info();
      assertThat(zip.getFileName().toString())
          .isEqualTo(
              info.uuid()
                  + "-dump-"
                  + info.timestamp()
                  + "-"
                  + info.hostname()
                  + "-node-"
                  + pid
                  + "-5.zip");
      assertThat(info.process().signal()).isEqualTo(5);
      assertThat(info.process().signalName()).isEqualTo("SIGTRAP");
      assertThat(info.process().exe()).isEqualTo("node");
      assertThat(info.process().exePath())
          .isEqualTo(Path.of("/usr/bin/node").toRealPath().toString());
      assertThat(info.process().pidfdVerified()).isTrue();
      assertThat(info.integrity().truncated()).as(info.integrity().reason()).isFalse();
      assertThat(info.core().expectedSize()).isEqualTo(info.core().size());

      Path core = dir.resolve("node.core");
      try (OutputStream out = Files.newOutputStream(core)) {
        assertThat(dump.writeCore(out)).isEqualTo(info.core().sha256());
      }
      assertThat(sha256sum(core)).isEqualTo(info.core().sha256());

      String bt = lldb(core, "v8 bt");
      assertThat(bt).contains("bar(").contains("foo(").contains("hello world");
    }
  }

  @Test
  void listShowsTheCrashAsJson() throws Exception {
    CliRun r = CliRun.of("list", "-o", "json", "--store", store());
    assertThat(r.code()).as(r.err()).isZero();
    var rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
    var ours =
        java.util.stream.StreamSupport.stream(rows.spliterator(), false)
            .filter(n -> n.get("host_pid").asLong() == pid)
            .toList();
    assertThat(ours).hasSize(1);
    assertThat(ours.get(0).get("signal").asInt()).isEqualTo(5);
    assertThat(ours.get(0).get("signal_name").asText()).isEqualTo("SIGTRAP");
    assertThat(ours.get(0).get("exe").asText()).isEqualTo("node");
    assertThat(ours.get(0).get("truncated").asBoolean()).isFalse();
  }

  @Test
  void debugInBatchModeShowsTheJavaScriptFrames() {
    CliRun r = debug("--batch", "-o", "v8 bt");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("bar(").contains("foo(").contains("hello world");
    CliRun gdb = debug("--debugger", "gdb", "--batch", "-o", "bt");
    assertThat(gdb.code()).as(gdb.out() + gdb.err()).isZero();
    assertThat(gdb.out()).contains("v8::base::OS::Abort");
  }

  @Test
  void getExtractGivesTheKernelsCoreByteForByte() throws Exception {
    Path target = dir.resolve("got");
    CliRun r =
        CliRun.of("get", ourDump(), "--store", store(), "-d", target.toString(), "--extract");
    assertThat(r.code()).as(r.err()).isZero();
    String name = ourDump();
    Path core = target.resolve(name).resolve(name + ".core");
    try (DumpArchive dump = DumpArchive.open(dumpsOf(dir.resolve("dumps"), pid).get(0))) {
      assertThat(sha256sum(core)).isEqualTo(dump.info().core().sha256());
    }
    assertThat(target.resolve(name).resolve("dump-info.json")).isRegularFile();
    assertThat(target.resolve(name).resolve("proc/maps")).isRegularFile();
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(core)))
        .isEqualTo("rw-------");
  }

  private static CliRun debug(String... options) {
    List<String> args =
        new ArrayList<>(List.of("debug", ourDump(), "--store", store(), "--cache-dir", cache()));
    args.addAll(List.of(options));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static String cache() {
    return dir.resolve("cache").toString();
  }

  private static String store() {
    return dir.resolve("dumps").toString();
  }

  private static String ourDump() {
    try {
      String file = dumpsOf(dir.resolve("dumps"), pid).get(0).getFileName().toString();
      return file.substring(0, file.length() - ".zip".length());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Runs lldb + llnode in batch mode on a debug-stripped node (DWARF indexing takes ~20 s). */
  static String lldb(Path core, String command) throws IOException, InterruptedException {
    Path node = dir.resolve("node-nodebug");
    if (!Files.exists(node)) {
      run(List.of("objcopy", "--strip-debug", "/usr/bin/node", node.toString()), Map.of());
    }
    return run(
        List.of(
            "lldb",
            "--batch",
            "-o",
            "plugin load " + llnode(),
            "-o",
            command,
            "-c",
            core.toString(),
            node.toString()),
        Map.of("PYTHONPATH", "/usr/lib/llvm-14/lib/python3.11/dist-packages"));
  }

  /** llnode as bin/setup installs it: in npm's global modules. */
  private static Path llnode() throws IOException, InterruptedException {
    return Path.of(run(List.of("npm", "root", "-g"), Map.of()).trim(), "llnode", "llnode.so");
  }

  private static String run(List<String> cmd, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
    return out;
  }

  private static String sha256sum(Path file) throws IOException, InterruptedException {
    return run(List.of("sha256sum", file.toString()), Map.of()).split("\\s+")[0];
  }

  static List<Path> dumpsOf(Path dir, long pid) throws IOException {
    List<Path> found = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return found;
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".zip")).toList()) {
        try (DumpArchive a = DumpArchive.open(f)) {
          if (a.info().process().hostPid() == pid) {
            found.add(f);
          }
        }
      }
    }
    return found;
  }

  private static List<Path> partials(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".partial")).toList();
    }
  }
}
