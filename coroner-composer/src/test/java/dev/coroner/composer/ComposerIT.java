package dev.coroner.composer;

import static dev.coroner.composer.ComposerProcess.args;
import static dev.coroner.composer.ComposerProcess.config;
import static dev.coroner.composer.ComposerProcess.openOnly;
import static dev.coroner.composer.ComposerProcess.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.dump.elf.TrainingCore;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The composer as the kernel runs it, on well-formed input: what a dump holds. */
class ComposerIT {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"zstd", "deflate", "none"})
  void aCompleteCoreRoundTripsByteForByte(String compression) throws Exception {
    Path dumps = tmp.resolve("dumps");
    byte[] core = TrainingCore.of(6 << 20);
    int code =
        run(
            config(tmp, "dump.dir=" + dumps, "compression=" + compression),
            tmp.resolve("log"),
            core,
            args(5));
    assertThat(code).isEqualTo(ExitCode.OK.code());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dumps)))
        .isEqualTo("rwx------");
    try (var dump = openOnly(dumps)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dump.file())))
          .isEqualTo("rw-------");
      var info = dump.info();
      assertThat(dump.file().getFileName().toString())
          .matches(
              info.uuid()
                  + "-dump-1634419098-test-host-java-"
                  + ProcessHandle.current().pid()
                  + "-5\\.zip");
      assertThat(info.integrity().truncated()).isFalse();
      assertThat(info.core().compression().id()).isEqualTo(compression);
      assertThat(info.core().size()).isEqualTo(core.length);
      assertThat(info.core().expectedSize()).isEqualTo(core.length);
      assertThat(info.core().sha256()).isEqualTo(sha256(core));
      assertThat(info.process().signalName()).isEqualTo("SIGTRAP");
      assertThat(info.process().exePath()).endsWith("/java");
      assertThat(info.files()).contains("proc/maps", "proc/status", "proc/cgroup", "proc/limits");
      assertThat(dump.entries()).last().isEqualTo("dump-info.json");
      var out = new ByteArrayOutputStream();
      assertThat(dump.writeCore(out)).isEqualTo(sha256(core));
      assertThat(out.toByteArray()).isEqualTo(core);
    }
    assertThat(Files.readString(tmp.resolve("log"))).contains("complete");
  }

  @Test
  void aLargeCoreStreamsThroughCompleteWhileTheFlusherRuns() throws Exception {
    // Long enough for several background fsyncs during the copy and a slow final one.
    Path dumps = tmp.resolve("dumps");
    long size = 384L << 20;
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    Process p =
        ComposerProcess.start(
            config(tmp, "dump.dir=" + dumps, "compression=none"), tmp.resolve("log"), args(11));
    try (var stdin = p.getOutputStream()) {
      byte[] header = TrainingCore.header(size);
      stdin.write(header);
      sha.update(header);
      byte[] chunk = random(1 << 20);
      for (long written = header.length; written < size; ) {
        int n = (int) Math.min(chunk.length, size - written);
        stdin.write(chunk, 0, n);
        sha.update(chunk, 0, n);
        written += n;
      }
    }
    assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(tmp.resolve("log"))).isEqualTo(0);
    try (var dump = openOnly(dumps)) {
      assertThat(dump.info().integrity().truncated()).isFalse();
      assertThat(dump.info().core().size()).isEqualTo(size);
      assertThat(dump.info().core().sha256()).isEqualTo(HexFormat.of().formatHex(sha.digest()));
      assertThat(dump.writeCore(java.io.OutputStream.nullOutputStream()))
          .isEqualTo(dump.info().core().sha256());
    }
  }

  @Test
  void aCoreShorterThanItsHeadersIsMarkedShort() throws Exception {
    Path dumps = tmp.resolve("dumps");
    byte[] core = TrainingCore.of(4 << 20);
    byte[] cut = java.util.Arrays.copyOf(core, 3 << 20);
    int code = run(config(tmp, "dump.dir=" + dumps), tmp.resolve("log"), cut, args(11));
    assertThat(code).isEqualTo(ExitCode.DUMP_TRUNCATED.code());
    try (var dump = openOnly(dumps)) {
      assertThat(dump.info().integrity().truncated()).isTrue();
      assertThat(dump.info().integrity().reason())
          .isEqualTo("short: received 3145728 of the 4194304 bytes the ELF headers announce");
    }
  }

  @Test
  void maxCoreSizeStopsStoringAndSaysSo() throws Exception {
    Path dumps = tmp.resolve("dumps");
    byte[] core = TrainingCore.of(8 << 20);
    int code =
        run(
            config(tmp, "dump.dir=" + dumps, "limit.max-core-size=2M"),
            tmp.resolve("log"),
            core,
            args(6));
    assertThat(code).isEqualTo(ExitCode.DUMP_TRUNCATED.code());
    try (var dump = openOnly(dumps)) {
      assertThat(dump.info().core().size()).isEqualTo(2 << 20);
      assertThat(dump.info().integrity().cause()).isEqualTo(IntegrityCause.MAX_CORE_SIZE);
      assertThat(dump.writeCore(new ByteArrayOutputStream()))
          .isEqualTo(dump.info().core().sha256());
    }
  }

  @Test
  void excludedExecutablesAreSkippedWithoutADump() throws Exception {
    Path dumps = tmp.resolve("dumps");
    int code =
        run(
            config(tmp, "dump.dir=" + dumps, "filter.exclude-exe=sleep, java"),
            tmp.resolve("log"),
            TrainingCore.of(1 << 20),
            args(6));
    assertThat(code).isEqualTo(ExitCode.SKIPPED.code());
    assertThat(dumps).doesNotExist();
    assertThat(Files.readString(tmp.resolve("log")))
        .contains("skipped: /usr/bin/java matches filter.exclude-exe 'java'");
  }

  @Test
  void aBadGlobNeverCostsACrashItsDump() throws Exception {
    Path dumps = tmp.resolve("dumps");
    int code =
        run(
            config(tmp, "dump.dir=" + dumps, "filter.exclude-exe=[, sleep"),
            tmp.resolve("log"),
            TrainingCore.of(1 << 20),
            args(6));
    assertThat(code).isEqualTo(ExitCode.OK.code());
    try (var dump = openOnly(dumps)) {
      assertThat(dump.info().composer().warnings())
          .anySatisfy(w -> assertThat(w).contains("filter.exclude-exe '['").contains("ignored"));
    }
  }

  @Test
  void environmentIsRedactedWhenCollected() throws Exception {
    Path dumps = tmp.resolve("dumps");
    run(
        config(tmp, "dump.dir=" + dumps, "proc.environ=redacted"),
        tmp.resolve("log"),
        TrainingCore.of(1 << 20),
        args(6));
    try (var dump = openOnly(dumps);
        var env = dump.open("proc/environ")) {
      String text = new String(env.readAllBytes());
      assertThat(text).contains("PATH=<redacted>").doesNotContain(System.getenv("PATH"));
    }
  }

  static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(7).nextBytes(b);
    return b;
  }
}
