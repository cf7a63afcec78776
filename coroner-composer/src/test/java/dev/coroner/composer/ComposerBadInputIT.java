package dev.coroner.composer;

import static dev.coroner.composer.ComposerProcess.args;
import static dev.coroner.composer.ComposerProcess.config;
import static dev.coroner.composer.ComposerProcess.openOnly;
import static dev.coroner.composer.ComposerProcess.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.dump.elf.TrainingCore;
import dev.coroner.store.archive.DumpArchive;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The composer on bad input: each case logs a reason, leaves a dump marked truncated wherever data
 * arrived, and ends with a documented exit code instead of an exception. Mount cases use real tmpfs
 * mounts (root), unmounted after each test.
 */
class ComposerBadInputIT {
  @TempDir Path tmp;
  private Path mounted;

  @AfterEach
  void unmount() throws Exception {
    if (mounted != null) {
      sh("umount", mounted.toString());
    }
  }

  @Test
  void emptyStdin() throws Exception {
    Path dumps = tmp.resolve("dumps");
    int code = run(config(tmp, "dump.dir=" + dumps), log(), new byte[0], args(11));
    assertThat(code).isEqualTo(ExitCode.DUMP_TRUNCATED.code());
    try (var dump = openOnly(dumps)) {
      assertThat(dump.info().integrity().truncated()).isTrue();
      assertThat(dump.info().integrity().cause()).isEqualTo(IntegrityCause.EMPTY);
      assertThat(dump.info().core().size()).isZero();
    }
    assertThat(Files.readString(log())).contains("TRUNCATED: empty");
  }

  @Test
  void oneByte() throws Exception {
    Path dumps = tmp.resolve("dumps");
    int code = run(config(tmp, "dump.dir=" + dumps), log(), new byte[] {0x7f}, args(11));
    assertThat(code).isEqualTo(ExitCode.DUMP_TRUNCATED.code());
    try (var dump = openOnly(dumps)) {
      assertThat(dump.info().core().size()).isEqualTo(1);
      assertThat(dump.info().integrity().reason()).isEqualTo("not-elf: not an ELF file");
    }
    assertThat(Files.readString(log())).contains("TRUNCATED: not-elf");
  }

  @Test
  void nonElfData() throws Exception {
    Path dumps = tmp.resolve("dumps");
    byte[] data = ComposerIT.random(3 << 20);
    int code = run(config(tmp, "dump.dir=" + dumps), log(), data, args(11));
    assertThat(code).isEqualTo(ExitCode.DUMP_TRUNCATED.code());
    try (var dump = openOnly(dumps)) {
      assertThat(dump.info().integrity().cause()).isEqualTo(IntegrityCause.NOT_ELF);
      // What arrived is kept intact, in case it matters.
      assertThat(dump.info().core().sha256()).isEqualTo(ComposerIT.sha256(data));
    }
  }

  @Test
  void garbageArguments() throws Exception {
    Path dumps = tmp.resolve("dumps");
    byte[] core = TrainingCore.of(1 << 20);
    int code = run(config(tmp, "dump.dir=" + dumps), log(), core, "--help", "x y", "-1");
    // The core itself is whole; what is missing is who died, and dump-info says so.
    assertThat(code).isEqualTo(ExitCode.OK.code());
    try (var dump = openOnly(dumps)) {
      var info = dump.info();
      assertThat(info.process().hostPid()).isEqualTo(-1);
      assertThat(info.process().signalName()).isEqualTo("unknown");
      assertThat(info.composer().warnings())
          .anySatisfy(w -> assertThat(w).contains("expected 13 arguments"))
          .anySatisfy(w -> assertThat(w).contains("no pid from the kernel"));
      assertThat(info.name()).endsWith("-unknown-unknown--1--1");
      assertThat(info.timestamp()).isCloseTo(System.currentTimeMillis() / 1000, within(60L));
    }
    assertThat(Files.readString(log())).contains("warning: %P is not a number: '--help'");
  }

  @Test
  void missingConfigFileUsesDefaultsAndSaysSo() throws Exception {
    // Defaults write to /var/lib/coroner/dumps; find our dump there by its unique log uuid.
    Path missing = tmp.resolve("nope.properties");
    int code = run(missing, log(), TrainingCore.of(1 << 20), args(6));
    assertThat(code).isEqualTo(ExitCode.OK.code());
    String logText = Files.readString(log());
    assertThat(logText).contains("config file " + missing + " is missing; using defaults");
    String uuid = logText.substring(logText.indexOf('[') + 1, logText.indexOf(']'));
    Path dump;
    try (var files = Files.list(Path.of("/var/lib/coroner/dumps"))) {
      dump =
          files.filter(f -> f.getFileName().toString().startsWith(uuid)).findFirst().orElseThrow();
    }
    try (var a = DumpArchive.open(dump)) {
      assertThat(a.info().composer().warnings()).anySatisfy(w -> assertThat(w).contains("missing"));
    } finally {
      Files.delete(dump);
    }
  }

  @Test
  void unwritableDirectory() throws Exception {
    mount("size=4m,ro");
    int code =
        run(
            config(tmp, "dump.dir=" + mounted.resolve("dumps")),
            log(),
            TrainingCore.of(1 << 20),
            args(6));
    assertThat(code).isEqualTo(ExitCode.NOT_WRITTEN.code());
    assertThat(Files.readString(log()))
        .contains("no dump written")
        .contains("Read-only file system");
  }

  @Test
  void fullDirectoryKeepsWhatFitsAndSaysWhy() throws Exception {
    mount("size=24m");
    Path dumps = mounted.resolve("dumps");
    byte[] data = ComposerIT.random(64 << 20);
    int code =
        run(
            config(tmp, "dump.dir=" + dumps, "limit.keep-free=2M", "compression=none"),
            log(),
            data,
            args(11));
    assertThat(code).isEqualTo(ExitCode.DUMP_TRUNCATED.code());
    try (var dump = openOnly(dumps)) {
      var info = dump.info();
      assertThat(info.integrity().cause()).isEqualTo(IntegrityCause.KEEP_FREE);
      assertThat(info.core().size()).isPositive().isLessThan(24L << 20);
      assertThat(dump.writeCore(OutputStream.nullOutputStream())).isEqualTo(info.core().sha256());
    }
  }

  @Test
  void maxUseKeepsTheDumpDirectoryBounded() throws Exception {
    Path dumps = Files.createDirectory(tmp.resolve("dumps"));
    Files.write(dumps.resolve("older-dump.zip"), new byte[10 << 20]);
    byte[] data = ComposerIT.random(64 << 20);
    int code =
        run(
            config(tmp, "dump.dir=" + dumps, "limit.max-use=32M", "compression=none"),
            log(),
            data,
            args(11));
    assertThat(code).isEqualTo(ExitCode.DUMP_TRUNCATED.code());
    Path dump;
    try (var files = Files.list(dumps)) {
      dump =
          files
              .filter(f -> !f.getFileName().toString().startsWith("older"))
              .findFirst()
              .orElseThrow();
    }
    try (var a = DumpArchive.open(dump)) {
      assertThat(a.info().integrity().cause()).isEqualTo(IntegrityCause.MAX_USE);
      assertThat(a.info().core().size()).isPositive().isLessThan(32L << 20);
    }
    long total = Files.size(dump) + (10 << 20);
    assertThat(total).isLessThanOrEqualTo(32L << 20);
  }

  @Test
  void fullDirectoryWithoutAReserveStillKeepsTheMetadata() throws Exception {
    // keep-free 0 and a reserve bigger than the disk: the guard stops before the first byte.
    mount("size=4m");
    Path dumps = mounted.resolve("dumps");
    int code =
        run(
            config(tmp, "dump.dir=" + dumps, "limit.keep-free=0"),
            log(),
            TrainingCore.of(4 << 20),
            args(11));
    assertThat(code).isEqualTo(ExitCode.DUMP_TRUNCATED.code());
    try (var dump = openOnly(dumps)) {
      assertThat(dump.info().integrity().cause()).isEqualTo(IntegrityCause.KEEP_FREE);
      assertThat(dump.info().core().size()).isZero();
      assertThat(dump.info().files()).contains("proc/status");
    }
  }

  @Test
  void timeoutFinishesTheDumpAsTruncated() throws Exception {
    Path dumps = tmp.resolve("dumps");
    Process p =
        ComposerProcess.start(config(tmp, "dump.dir=" + dumps, "timeout=2s"), log(), args(6));
    try (OutputStream stdin = p.getOutputStream()) {
      stdin.write(TrainingCore.of(2 << 20));
      stdin.flush();
      // Stall like a hung kernel writer: keep the pipe open. Until then only a .partial exists.
      await().atMost(Duration.ofSeconds(20)).until(() -> list(dumps).size() == 1);
      assertThat(list(dumps).get(0).toString()).endsWith(".zip.partial");
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(p.exitValue()).isEqualTo(ExitCode.TIMEOUT.code());
    try (var dump = openOnly(dumps)) {
      assertThat(dump.info().integrity().cause()).isEqualTo(IntegrityCause.TIMEOUT);
      assertThat(dump.info().core().size()).isEqualTo(2 << 20);
    }
    assertThat(Files.readString(log())).contains("watchdog: timeout of 2s reached");
  }

  private Path log() {
    return tmp.resolve("composer.log");
  }

  private void mount(String options) throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("mnt"));
    sh("mount", "-t", "tmpfs", "-o", options + ",mode=0700", "tmpfs", dir.toString());
    mounted = dir;
  }

  private static List<Path> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var files = Files.list(dir)) {
      return files.toList();
    }
  }

  private static void sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd)).isZero();
  }
}
