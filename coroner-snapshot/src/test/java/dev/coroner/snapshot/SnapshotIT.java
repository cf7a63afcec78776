package dev.coroner.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots of real processes on this machine (root, Java 22+): a multi-threaded C program opened
 * with gdb, and the ways a snapshot can fail. Every test checks the process is left as it was:
 * running (not stopped, not traced) and without a leftover child.
 */
class SnapshotIT {
  @TempDir Path tmp;
  private Path threads;

  @BeforeAll
  static void needsRootAndJava22() {
    assumeTrue(
        Snapshotter.system().unavailableReason().isEmpty(),
        Snapshotter.system().unavailableReason());
    assumeTrue("root".equals(System.getProperty("user.name")), "snapshots of others need root");
  }

  @BeforeEach
  void compile() throws Exception {
    Path src = tmp.resolve("threads.c");
    try (InputStream in = SnapshotIT.class.getResourceAsStream("threads.c")) {
      Files.copy(in, src);
    }
    threads = tmp.resolve("threads");
    run("gcc", "-O1", "-g", "-pthread", "-o", threads.toString(), src.toString());
  }

  private SnapshotRequest request(int pid, SnapshotMethod method) {
    CaptureSettings d = CaptureSettings.defaults();
    CaptureSettings s =
        new CaptureSettings(
            tmp.resolve("dumps"),
            d.nameTemplate(),
            Compression.NONE,
            0,
            0,
            0,
            0,
            0,
            d.timeout(),
            d.excludeExe(),
            d.environ(),
            null,
            d.agentTimeout());
    return new SnapshotRequest(pid, method, s, Duration.ofSeconds(5), "test", null);
  }

  @Test
  void aMultiThreadedProgramRunsOnAndGdbSeesEveryThreadWithItsOwnStack() throws Exception {
    try (Victim v = Victim.start(tmp.resolve("out"), threads + " 4 64")) {
      SnapshotResult r =
          Snapshotter.system().take(request(v.pid, SnapshotMethod.FORK), SnapshotListener.NONE);
      assertLeftAlone(v);
      DumpInfo info = r.info();
      assertThat(r.threads()).isEqualTo(5);
      assertThat(info.snapshot().method()).isEqualTo("fork");
      assertThat(info.snapshot().threads()).isEqualTo(5);
      assertThat(info.process().signal()).isZero();
      assertThat(info.name()).endsWith("-threads-" + v.pid + "-0");
      assertThat(info.integrity().truncated()).isFalse();
      assertThat(info.core().size()).isEqualTo(info.core().expectedSize());
      // The fork method stops the threads for a fraction of what dumping 64 MiB takes.
      assertThat(r.freezeMicros()).isLessThan(2_000_000);
      String gdb =
          run(
              "gdb",
              "-batch",
              "-nx",
              "-ex",
              "info threads",
              "-ex",
              "thread apply all bt",
              threads.toString(),
              core(r).toString());
      assertThat(gdb)
          .contains("worker_sleeping", "worker_spinning", "worker_waiting", "worker_napping")
          .contains("in main (")
          .contains("Thread 5 ")
          .doesNotContain("Thread 6 ");
      // The first thread is the main thread.
      assertThat(gdb).containsPattern("\\* 1 +Thread 0x[0-9a-f]+ \\(LWP " + v.pid + "\\)");
    }
  }

  @Test
  void whatTheCallerAddsIsInTheDumpAndReplacesNothing() throws Exception {
    // As the node agent adds a container's log and its pod; a name the dump has stays the dump's.
    DumpInfo.PodInfo pod = new DumpInfo.PodInfo("team-a", "web", "uid-1", "app", "app:1");
    SnapshotRequest.Additions additions =
        new SnapshotRequest.Additions(
            java.util.Map.of(
                "container.log",
                "beat 1\nbeat 2".getBytes(StandardCharsets.UTF_8),
                DumpInfo.ENTRY,
                "{}".getBytes(StandardCharsets.UTF_8)),
            info -> info.withPod(pod));
    try (Victim v = Victim.start(tmp.resolve("out"), threads + " 1 8")) {
      SnapshotResult r =
          Snapshotter.system()
              .take(
                  request(v.pid, SnapshotMethod.FORK).withAdditions(additions),
                  SnapshotListener.NONE);
      assertLeftAlone(v);
      assertThat(r.info().pod()).isEqualTo(pod);
      assertThat(r.info().files()).contains("container.log").doesNotContain(DumpInfo.ENTRY);
      try (ZipFile zip = new ZipFile(r.file().toFile())) {
        assertThat(
                new String(
                    zip.getInputStream(zip.getEntry("container.log")).readAllBytes(),
                    StandardCharsets.UTF_8))
            .isEqualTo("beat 1\nbeat 2");
        String written =
            new String(
                zip.getInputStream(zip.getEntry(DumpInfo.ENTRY)).readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(written).contains("\"pod\"").contains("\"team-a\"").contains("\"snapshot\"");
      }
    }
  }

  @Test
  void theStopMethodReadsTheStoppedProcess() throws Exception {
    try (Victim v = Victim.start(tmp.resolve("out"), threads + " 2 8")) {
      SnapshotResult r =
          Snapshotter.system().take(request(v.pid, SnapshotMethod.STOP), SnapshotListener.NONE);
      assertLeftAlone(v);
      assertThat(r.info().snapshot().method()).isEqualTo("stop");
      assertThat(r.threads()).isEqualTo(3);
      String gdb =
          run(
              "gdb",
              "-batch",
              "-nx",
              "-ex",
              "thread apply all bt",
              threads.toString(),
              core(r).toString());
      assertThat(gdb).contains("worker_sleeping", "worker_spinning", "in main (");
    }
  }

  @Test
  void aProcessThatDoesNotExist() throws Exception {
    int pid = unusedPid();
    assertThatThrownBy(
            () ->
                Snapshotter.system().take(request(pid, SnapshotMethod.FORK), SnapshotListener.NONE))
        .isInstanceOfSatisfying(
            SnapshotException.class, e -> assertThat(e.code()).isEqualTo(ExitCode.NOT_FOUND))
        .hasMessageContaining("no process " + pid);
  }

  @Test
  void aProcessTracedByAnotherTracerIsRefusedAndLeftAsItWas() throws Exception {
    try (Victim v = Victim.start(tmp.resolve("out"), threads + " 1 0")) {
      Process strace =
          new ProcessBuilder("strace", "-p", Integer.toString(v.pid), "-o", "/dev/null")
              .redirectErrorStream(true)
              .start();
      try {
        org.awaitility.Awaitility.await("strace attached")
            .atMost(java.time.Duration.ofSeconds(60))
            .until(() -> !v.status("TracerPid:").equals("0"));
        assertThatThrownBy(
                () ->
                    Snapshotter.system()
                        .take(request(v.pid, SnapshotMethod.FORK), SnapshotListener.NONE))
            .isInstanceOfSatisfying(
                SnapshotException.class,
                e -> assertThat(e.code()).isEqualTo(ExitCode.SNAPSHOT_REFUSED))
            .hasMessageContaining("already traced by process " + strace.pid())
            .hasMessageContaining("strace");
      } finally {
        strace.destroy();
        strace.waitFor(10, TimeUnit.SECONDS);
      }
      assertLeftAlone(v);
    }
  }

  @Test
  void aProcessThatExitsAsItIsBeingStoppedLeavesNothingBehind() throws Exception {
    Victim v = Victim.start(tmp.resolve("out"), threads + " 4 0");
    SnapshotListener killer =
        new SnapshotListener() {
          @Override
          public void stopping(int pid) {
            try {
              v.kill();
            } catch (IOException | InterruptedException e) {
              throw new IllegalStateException(e);
            }
          }
        };
    assertThatThrownBy(() -> Snapshotter.system().take(request(v.pid, SnapshotMethod.FORK), killer))
        .isInstanceOfSatisfying(
            SnapshotException.class, e -> assertThat(e.code()).isEqualTo(ExitCode.PROCESS_EXITED))
        .hasMessageContaining("exited");
    assertThat(v.alive() && !v.state().startsWith("Z")).isFalse();
    assertThat(
            Files.exists(tmp.resolve("dumps"))
                && Files.list(tmp.resolve("dumps")).findAny().isPresent())
        .isFalse();
  }

  @Test
  void aProcessThatExitsWhileItsCoreIsWrittenStillGivesAWholeCore() throws Exception {
    Victim v = Victim.start(tmp.resolve("out"), threads + " 4 32");
    SnapshotListener killer =
        new SnapshotListener() {
          @Override
          public void writing(long bytes) {
            try {
              v.kill();
            } catch (IOException | InterruptedException e) {
              throw new IllegalStateException(e);
            }
          }
        };
    SnapshotResult r = Snapshotter.system().take(request(v.pid, SnapshotMethod.FORK), killer);
    assertThat(v.alive() && !v.state().startsWith("Z")).isFalse();
    assertThat(r.info().integrity().truncated()).isFalse();
    String gdb =
        run(
            "gdb",
            "-batch",
            "-nx",
            "-ex",
            "thread apply all bt",
            threads.toString(),
            core(r).toString());
    assertThat(gdb).contains("worker_sleeping", "in main (");
    // The copy was killed too: no process of this program is left.
    assertThat(run("sh", "-c", "pgrep -f '^" + threads + "' || true").strip()).isEmpty();
  }

  /** Running, not stopped by us, not traced, and no child left (the copy is reaped). */
  private static void assertLeftAlone(Victim v) throws Exception {
    assertThat(v.state()).matches("[RS] .*");
    assertThat(v.status("TracerPid:")).isEqualTo("0");
    assertThat(v.children()).isEmpty();
    // It still beats: its output keeps coming after the snapshot (the native one prints pauses
    // only, so check the process is scheduled: its CPU time grows).
    long before = cpuTicks(v.pid);
    org.awaitility.Awaitility.await("pid " + v.pid + " scheduled again")
        .atMost(java.time.Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(cpuTicks(v.pid)).isGreaterThan(before));
  }

  private static long cpuTicks(int pid) throws IOException {
    String stat =
        new String(Files.readAllBytes(Path.of("/proc/" + pid + "/stat")), StandardCharsets.UTF_8);
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private Path core(SnapshotResult r) throws IOException {
    Path core = tmp.resolve(r.info().uuid() + ".core");
    try (ZipFile zip = new ZipFile(r.file().toFile())) {
      ZipEntry e = zip.getEntry(r.info().core().entry());
      try (InputStream in = zip.getInputStream(e)) {
        Files.copy(in, core, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return core;
  }

  /** Above any pid_max (at most 2^22): no process can have it. */
  private static int unusedPid() {
    return 1 << 22;
  }

  static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish: " + out);
    }
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
    }
    return out;
  }
}
