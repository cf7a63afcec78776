package dev.coroner.cli.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One host, no agent: a dump in a local directory has no analysis, so the CLI makes one the first
 * time it lists the dump and caches it. The core is a real process's (gcore of a program this test
 * starts, so no kernel setting changes), composed into a dump by the real composer.
 */
class LocalAnalysesIT {
  @TempDir Path tmp;

  @Test
  void aLocalDumpIsAnalyzedOnceAndTheResultCached() throws Exception {
    Files.writeString(
        tmp.resolve("wait.c"),
        """
        #include <unistd.h>
        __attribute__((noinline)) void wait_here(void) { for (;;) sleep(60); }
        int main(void) { wait_here(); return 0; }
        """);
    run(tmp, "gcc", "-g", "-O0", "-o", "wait", "wait.c");
    Process p = new ProcessBuilder(tmp.resolve("wait").toString()).start();
    Path core;
    try {
      // In its sleep: clock_nanosleep (230 on x86_64) or nanosleep (35), as /proc/PID/syscall says.
      Path syscall = Path.of("/proc", Long.toString(p.pid()), "syscall");
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> Files.readString(syscall).matches("(230|35) .*\\s*"));
      run(tmp, "gcore", "-o", tmp.resolve("core").toString(), Long.toString(p.pid()));
      core = tmp.resolve("core." + p.pid());
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Path dumps = compose(core, tmp.resolve("wait").toString());
    Path cache = tmp.resolve("cache");
    String[] list = {
      "list", "--store", dumps.toString(), "--cache-dir", cache.toString(), "-o", "json"
    };

    Cli first = cli(list);
    JsonNode row = new ObjectMapper().readTree(first.out()).get(0);
    assertThat(row.get("top_frame").asText()).matches("wait_here \\(wait\\.c:2\\)");
    assertThat(row.get("runtime").asText()).isEqualTo("native");
    assertThat(first.err()).contains("analyzing 1 dump for the first time");
    try (Stream<Path> cached = Files.list(cache.resolve("analysis"))) {
      assertThat(cached.filter(f -> f.toString().endsWith(".json"))).hasSize(1);
    }

    Cli second = cli(list);
    assertThat(second.err()).as("from the cache").doesNotContain("analyzing");
    assertThat(new ObjectMapper().readTree(second.out()).get(0).get("signature").asText())
        .isEqualTo(row.get("signature").asText());

    Cli none =
        cli(
            "list",
            "--store",
            dumps.toString(),
            "--cache-dir",
            tmp.resolve("other").toString(),
            "--no-analyze");
    assertThat(none.out().lines().skip(1).findFirst().orElseThrow()).contains(" - ");

    Cli info = cli("info", "latest", "--store", dumps.toString(), "--cache-dir", cache.toString());
    assertThat(info.out()).contains("Crash:").contains("wait_here (wait.c:2)").contains("[app]");
    Cli groups = cli("groups", "--store", dumps.toString(), "--cache-dir", cache.toString());
    assertThat(groups.out().lines().skip(1).findFirst().orElseThrow())
        .startsWith(row.get("signature").asText())
        .contains("wait_here");
  }

  @Test
  void aCoreThatIsNoElfFileIsNotAnalyzedNorAnnouncedEachTime() throws Exception {
    byte[] junk = new byte[1 << 20];
    new java.util.Random(5).nextBytes(junk);
    junk[0] = 0; // not the ELF magic
    Path core = Files.write(tmp.resolve("junk"), junk);
    Path dumps = compose(core, "/usr/bin/true");
    Path cache = tmp.resolve("cache");
    String[] list = {"list", "--store", dumps.toString(), "--cache-dir", cache.toString()};

    for (int i = 0; i < 2; i++) {
      Cli c = cli(list);
      assertThat(c.err()).doesNotContain("analyzing").doesNotContain("cannot analyze");
      assertThat(c.out().lines()).hasSize(2); // the header and the dump
    }
    assertThat(cache.resolve("analysis")).doesNotExist();
  }

  /** The composer writes the dump from the core on stdin, as from the kernel. */
  private Path compose(Path core, String exe) throws Exception {
    Path dumps = tmp.resolve("dumps");
    Path config = tmp.resolve("composer.properties");
    Files.writeString(config, "dump.dir=" + dumps + "\n");
    Process composer =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dcoroner.config=" + config,
                "-Dcoroner.log=" + tmp.resolve("composer.log"),
                "dev.coroner.composer.Main",
                "999999999",
                "999999999",
                "999999999",
                "999999999",
                "11",
                "1634419098",
                "host",
                "wait",
                exe.replace('/', '!'),
                "0",
                "0",
                "0",
                "-1")
            .redirectInput(core.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(composer.waitFor(60, TimeUnit.SECONDS)).isTrue();
    try (Stream<Path> files = Files.list(dumps)) {
      assertThat(files.filter(f -> f.toString().endsWith(".zip"))).hasSize(1);
    }
    return dumps;
  }

  record Cli(String out, String err) {}

  private static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        dev.coroner.cli.Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(code).as(String.join(" ", args) + ": " + err).isZero();
    return new Cli(out.toString(), err.toString());
  }

  private static void run(Path dir, String... command) throws Exception {
    Process p =
        new ProcessBuilder(List.of(command))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
  }
}
