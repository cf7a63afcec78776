package dev.coroner.cli.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wrong answers issue 13 found, each asserted right. */
class WrongAnswersIT {
  @TempDir Path tmp;

  @Test
  void extractIntoARelativeDirectoryWorks() throws Exception {
    Path store = tmp.resolve("store");
    HostileDumps.write(HostileDumps.all().get(0), store);
    // Relative to the working directory of this JVM (the module), as '-d ./x' is to a shell's.
    Path rel = Path.of("target", "wrong-answers-" + System.nanoTime());
    try {
      Run r = run("get", "latest", "-x", "--store", store.toString(), "-d", "./" + rel);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(rel.resolve(HostileDumps.name()).resolve(HostileDumps.name() + ".core"))
          .isRegularFile();
    } finally {
      new ProcessBuilder("rm", "-rf", rel.toString()).start().waitFor();
    }
  }

  @Test
  void aMetadataOnlyDumpSaysSoAndClaimsNoVerifiedCore() throws Exception {
    Path store = tmp.resolve("store");
    Path zip = HostileDumps.write(HostileDumps.metadataOnly(), store);
    assertThat(zip).exists();
    Run get =
        run("get", "latest", "-x", "--store", store.toString(), "-d", tmp.resolve("t").toString());
    assertThat(get.code()).as(get.err()).isZero();
    assertThat(get.out())
        .contains("no core")
        .doesNotContain("sha256 verified")
        .doesNotContain(".core\n");
    Run plain =
        run("get", "latest", "--store", store.toString(), "-d", tmp.resolve("u").toString());
    assertThat(plain.code()).as(plain.err()).isZero();
    assertThat(plain.out()).contains("no core").doesNotContain("sha256 verified");
  }

  @Test
  void rmWithAnAgeAndANameRemovesOnlyWhatIsBoth() throws Exception {
    Path store = tmp.resolve("store");
    Path zip = HostileDumps.write(HostileDumps.all().get(0), store);
    Files.setLastModifiedTime(zip, FileTime.from(Instant.now()));
    // The dump is from 2026-11-27: older than 1 day, but not than 100 years.
    Run young = run("rm", "--older-than", "36500d", "latest", "--store", store.toString());
    assertThat(young.code()).as(young.err()).isZero();
    assertThat(young.out()).contains("nothing removed");
    assertThat(zip).exists();
  }

  @Test
  void rmAlsoForgetsTheCoreDebugExtracted() throws Exception {
    Path store = tmp.resolve("store");
    HostileDumps.write(HostileDumps.all().get(0), store);
    Path cache = tmp.resolve("cache");
    Path cores = Files.createDirectories(cache.resolve("cores"));
    Path core = Files.writeString(cores.resolve(HostileDumps.name() + ".core"), "secret bytes");
    Path sha = Files.writeString(cores.resolve(HostileDumps.name() + ".sha256"), "x");
    Run rm = run("rm", "latest", "--store", store.toString(), "--cache-dir", cache.toString());
    assertThat(rm.code()).as(rm.err()).isZero();
    assertThat(core).doesNotExist();
    assertThat(sha).doesNotExist();
  }

  @Test
  void aDumpCanBeNamedByThePathOfItsZip() throws Exception {
    Path store = tmp.resolve("elsewhere");
    Path zip = HostileDumps.write(HostileDumps.all().get(0), store);
    Run info = run("info", zip.toString(), "--store", tmp.resolve("none").toString());
    assertThat(info.code()).as(info.err()).isZero();
    assertThat(info.out()).contains(HostileDumps.UUID);
  }

  @Test
  void aFullOrReadOnlyTargetIsAnAnswerNotAnInternalError() throws Exception {
    Path store = tmp.resolve("store");
    HostileDumps.write(HostileDumps.all().get(0), store);
    Path full = Files.createDirectories(tmp.resolve("full"));
    Path ro = Files.createDirectories(tmp.resolve("ro"));
    sh("mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", full.toString());
    try {
      sh("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro.toString());
      try {
        Run onFull = run("get", "latest", "-x", "--store", store.toString(), "-d", full.toString());
        assertThat(onFull.code()).as(onFull.err()).isEqualTo(1);
        assertThat(onFull.err()).startsWith("coroner: cannot write to").contains("No space left");
        try (var left = Files.walk(full)) {
          assertThat(left.map(Path::toString)).noneMatch(f -> f.contains(".partial"));
        }
        Run onRo =
            run("get", "latest", "--store", store.toString(), "-d", ro.resolve("x").toString());
        assertThat(onRo.code()).as(onRo.err()).isEqualTo(1);
        assertThat(onRo.err()).contains("cannot create").contains("choose another -d");
        Run notADir =
            run(
                "get",
                "latest",
                "--store",
                store.toString(),
                "-d",
                store.resolve(HostileDumps.name() + ".zip").toString());
        assertThat(notADir.code()).isEqualTo(2);
        assertThat(notADir.err()).contains("is not a directory");
      } finally {
        sh("umount", ro.toString());
      }
    } finally {
      sh("umount", full.toString());
    }
  }

  private static void sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  static List<String> lines(String s) {
    return s.lines().toList();
  }
}
