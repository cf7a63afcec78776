package dev.coroner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.node.InstallOptions;
import dev.coroner.node.KernelSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code coroner install} and {@code uninstall} against the real /proc/sys. Every test restores the
 * machine's kernel settings in {@link #restore()}, whatever happened.
 */
class InstallIT {
  private KernelGuard guard;
  private Path dir;

  @BeforeEach
  void save() throws Exception {
    guard = new KernelGuard();
    // Short, so the core_pattern stays under the kernel's 127 characters.
    dir = Files.createTempDirectory(Path.of("/tmp"), "cit");
  }

  @AfterEach
  void restore() throws Exception {
    try {
      CliRun.of("uninstall", "--prefix", dir.resolve("p").toString());
    } finally {
      guard.close();
      new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void uninstallRestoresTheExactPreviousValues() throws Exception {
    var previous = new KernelSettings(dir + "/core.%e.%p", 3, 1);
    previous.write(InstallOptions.PROC_SYS);

    CliRun install = install();
    assertThat(install.code()).as(install.err()).isZero();
    var installed = KernelGuard.current();
    assertThat(installed.corePattern())
        .isEqualTo("|" + dir.resolve("p/composer") + " %P %p %I %i %s %t %h %e %E %c %u %g %F");
    assertThat(installed.corePipeLimit()).isEqualTo(16);
    assertThat(installed.suidDumpable()).isEqualTo(2);
    assertThat(mode(dir.resolve("p/composer"))).isEqualTo("rwx------");
    assertThat(mode(dir.resolve("p/composer.properties"))).isEqualTo("rw-------");
    assertThat(mode(dir.resolve("d"))).isEqualTo("rwx------");
    assertThat(Files.readString(dir.resolve("p/composer.properties")))
        .contains("dump.dir=" + dir.resolve("d"));

    CliRun again = install();
    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("already installed; nothing to change");

    CliRun uninstall = CliRun.of("uninstall", "--prefix", dir.resolve("p").toString());
    assertThat(uninstall.code()).as(uninstall.err()).isZero();
    assertThat(KernelGuard.current()).isEqualTo(previous);
    assertThat(dir.resolve("p/composer")).doesNotExist();
    assertThat(dir.resolve("p/releases")).doesNotExist();
    assertThat(dir.resolve("d")).isDirectory();

    CliRun twice = CliRun.of("uninstall", "--prefix", dir.resolve("p").toString());
    assertThat(twice.code()).isZero();
    assertThat(twice.out()).contains("nothing to change");
    assertThat(KernelGuard.current()).isEqualTo(previous);
  }

  @Test
  void dryRunChangesNothing() throws Exception {
    var before = KernelGuard.current();
    CliRun dry = install("--dry-run");
    assertThat(dry.code()).as(dry.err()).isZero();
    assertThat(dry.out())
        .contains("would build composer release")
        .contains("would set kernel settings");
    assertThat(KernelGuard.current()).isEqualTo(before);
    assertThat(dir.resolve("p")).doesNotExist();
    assertThat(dir.resolve("d")).doesNotExist();
  }

  @Test
  void aPatternChangedSinceInstallIsLeftAlone() throws Exception {
    assertThat(install().code()).isZero();
    var foreign = new KernelSettings("|/bin/false", 16, 2);
    foreign.write(InstallOptions.PROC_SYS);
    CliRun uninstall = CliRun.of("uninstall", "--prefix", dir.resolve("p").toString());
    assertThat(uninstall.code()).isZero();
    assertThat(uninstall.out()).contains("leave kernel settings alone").contains("|/bin/false");
    assertThat(KernelGuard.current()).isEqualTo(foreign);
  }

  @Test
  void aPrefixTooLongForTheKernelIsRefused() throws Exception {
    String longPrefix = dir.resolve("x".repeat(80)).toString();
    CliRun r = CliRun.of("install", "--prefix", longPrefix, "--dumps", dir.resolve("d").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("the kernel keeps only 127")
        .contains("choose a shorter prefix (--prefix)");
    assertThat(KernelGuard.current()).isEqualTo(guard.saved());
  }

  @Test
  void aReadOnlyProcSysIsRefusedWithAHint() throws Exception {
    // A private mount namespace where /proc/sys is read-only, as in an unprivileged container.
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String script =
        "mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec "
            + java
            + " -cp "
            + System.getProperty("java.class.path")
            + " "
            + Main.class.getName()
            + " install --prefix "
            + dir.resolve("p");
    Process p =
        new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", script)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isEqualTo(1);
    assertThat(out)
        .contains("is read-only")
        .contains("privileged container")
        .doesNotContain("Exception");
    assertThat(KernelGuard.current()).isEqualTo(guard.saved());
  }

  @Test
  void nonRootIsRefusedWithAHint() throws Exception {
    CliRun r = AsNobody.run(dir, "install", "--prefix", dir.resolve("p").toString());
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).contains("needs root; run it again with sudo").doesNotContain("Exception");
    assertThat(KernelGuard.current()).isEqualTo(guard.saved());
  }

  @Test
  void uninstallWaitsForACaptureInProgressAndTheDumpIsComplete() throws Exception {
    assertThat(install().code()).isZero();
    Path dumps = dir.resolve("d");
    // The installed launcher, run as the kernel runs it, with a core that arrives in two halves.
    Process composer =
        new ProcessBuilder(
                dir.resolve("p/composer").toString(),
                Long.toString(ProcessHandle.current().pid()),
                "1",
                "1",
                "1",
                "6",
                "1795770000",
                "host",
                "sleep",
                "!usr!bin!sleep",
                "0",
                "0",
                "0")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(dir.resolve("composer.err").toFile())
            .start();
    byte[] core = dev.coroner.dump.elf.TrainingCore.of(8 << 20);
    try (var in = composer.getOutputStream()) {
      in.write(core, 0, core.length / 2);
      in.flush();
      Path lock = dir.resolve("p/run/capture.lock");
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(60))
          .until(() -> heldShared(lock));
      var uninstall =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> CliRun.of("uninstall", "--prefix", dir.resolve("p").toString()));
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(60))
          .until(() -> KernelGuard.current().equals(guard.saved()));
      assertThat(uninstall).as("uninstall waits while the capture runs").isNotDone();
      assertThat(dir.resolve("p/releases")).as("its runtime stays meanwhile").isDirectory();
      in.write(core, core.length / 2, core.length - core.length / 2);
    }
    assertThat(composer.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(composer.exitValue())
        .as(
            "a complete dump; the composer said: %s%s",
            Files.readString(dir.resolve("composer.err")),
            Files.exists(dir.resolve("p/composer.log"))
                ? Files.readString(dir.resolve("p/composer.log"))
                : "")
        .isZero();
    try (var listing = Files.list(dumps)) {
      Path zip = listing.filter(p -> p.toString().endsWith(".zip")).findFirst().orElseThrow();
      try (var a = dev.coroner.store.archive.DumpArchive.open(zip)) {
        assertThat(a.info().integrity().truncated()).isFalse();
        assertThat(a.info().core().size()).isEqualTo(core.length);
      }
    }
    CliRun after = CliRun.of("uninstall", "--prefix", dir.resolve("p").toString());
    assertThat(after.code()).isZero();
    assertThat(dir.resolve("p/releases")).doesNotExist();
  }

  /** Whether some process holds {@code lock} shared (a capture), seen through /proc/locks. */
  private static boolean heldShared(Path lock) throws Exception {
    if (!Files.exists(lock)) {
      return false;
    }
    long inode = (long) Files.getAttribute(lock, "unix:ino");
    return Files.readAllLines(Path.of("/proc/locks")).stream()
        .anyMatch(l -> l.contains(" READ ") && l.contains(":" + inode + " "));
  }

  @Test
  void installNarrowsAnOpenDumpDirectory() throws Exception {
    Path dumps = Files.createDirectories(dir.resolve("d"));
    Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
    CliRun install = install();
    assertThat(install.code()).as(install.err()).isZero();
    assertThat(install.out()).contains("narrow dump directory " + dumps);
    assertThat(mode(dumps)).isEqualTo("rwx------");
  }

  private CliRun install(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "install",
                "--prefix",
                dir.resolve("p").toString(),
                "--dumps",
                dir.resolve("d").toString(),
                "--mode",
                "pipe"));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
