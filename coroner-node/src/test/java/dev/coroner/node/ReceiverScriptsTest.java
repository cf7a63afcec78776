package dev.coroner.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.base.files.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor script run for real by sh, with a stand-in receiver and a plain file for
 * core_pattern (no kernel): the pipe pattern comes back the moment the receiver dies, only while
 * the pattern is the receiver's; it restarts; SIGTERM stops both; exit 11 (not possible here) stops
 * restarting.
 */
class ReceiverScriptsTest {
  private static final String PIPE = "|/opt/x/composer %P %p %I %i %s %t %h %e %E %c %u %g %F";

  @TempDir Path dir;
  private Process supervisor;

  @AfterEach
  void stop() throws Exception {
    if (supervisor != null && supervisor.isAlive()) {
      supervisor.descendants().forEach(ProcessHandle::destroyForcibly);
      supervisor.destroyForcibly();
      supervisor.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theSupervisorIsValidShAndTheUnitRestoresAfterEveryStop() throws Exception {
    Layout layout = new Layout(Path.of("/opt/coroner"));
    ReceiverScripts scripts = new ReceiverScripts(layout, PIPE);
    for (String script : List.of(scripts.supervisor(), scripts.restorePipe())) {
      Path f = Files.writeString(dir.resolve("s.sh"), script);
      Process p = new ProcessBuilder("sh", "-n", f.toString()).redirectErrorStream(true).start();
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
      assertThat(script)
          .contains("PIPE='" + PIPE + "'")
          .contains("SOCKET=/opt/coroner/run/coredump.sock");
    }
    String unit = scripts.unit(Duration.ofSeconds(630));
    assertThat(unit)
        .contains("ExecStart=/opt/coroner/receiver\n")
        .contains("ExecStopPost=/opt/coroner/receiver-restore-pipe\n")
        .contains("Restart=on-failure\n")
        .contains("RestartPreventExitStatus=11\n")
        .contains("SuccessExitStatus=143\n")
        .contains("TimeoutStopSec=630s\n")
        .contains("WantedBy=multi-user.target\n");
    assertThat(ReceiverScripts.unitName(Path.of("/opt/coroner")))
        .isEqualTo("coroner-receiver.service");
    assertThat(ReceiverScripts.unitName(Path.of("/srv/c")))
        .matches("coroner-receiver-[0-9a-f]+\\.service");
  }

  @Test
  void theRestoreScriptLeavesAForeignPatternAlone() throws Exception {
    Layout layout = new Layout(dir.resolve("p"));
    Path pattern = dir.resolve("core_pattern");
    ReceiverScripts scripts = new ReceiverScripts(layout, PIPE, pattern);
    Path restore = Files.writeString(dir.resolve("restore"), scripts.restorePipe());
    Files.writeString(pattern, "|/usr/lib/systemd/systemd-coredump %P\n");
    run("sh", restore.toString());
    assertThat(Files.readString(pattern)).isEqualTo("|/usr/lib/systemd/systemd-coredump %P\n");
    Files.writeString(pattern, "@" + layout.socket() + "\n");
    run("sh", restore.toString());
    assertThat(Files.readString(pattern)).isEqualTo(PIPE + "\n");
  }

  @Test
  void aKilledReceiverGetsThePipeBackAndIsRestartedAndSigtermStopsAll() throws Exception {
    Layout layout = new Layout(dir.resolve("p"));
    Files.createDirectories(layout.socket().getParent());
    Path pattern = dir.resolve("core_pattern");
    Files.writeString(pattern, PIPE + "\n");
    // The stand-in receiver takes core_pattern over, as the real one does once it listens.
    Files.writeString(
        layout.receiverLauncher(),
        "#!/bin/sh\nprintf '%s\\n' '@@"
            + layout.socket()
            + "' > "
            + pattern
            + "\nexec sleep 600\n");
    AtomicFiles.ensurePrivateDirectory(dir.resolve("p"));
    layout.receiverLauncher().toFile().setExecutable(true);
    Path script =
        Files.writeString(
            layout.supervisor(), new ReceiverScripts(layout, PIPE, pattern).supervisor());
    supervisor = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true).start();

    long first = awaitReceiver(layout, -1);
    assertThat(Files.readString(pattern)).isEqualTo("@@" + layout.socket() + "\n");
    assertThat(Files.readString(layout.supervisorPid()).trim())
        .isEqualTo(Long.toString(supervisor.pid()));

    ProcessHandle.of(first).orElseThrow().destroyForcibly();
    long killed = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(1))
        .until(() -> Files.readString(pattern).equals(PIPE + "\n"));
    System.out.println(
        "supervisor: pipe pattern back "
            + (System.nanoTime() - killed) / 1_000_000
            + " ms after kill -9");
    long second = awaitReceiver(layout, first);
    assertThat(second).isNotEqualTo(first);

    supervisor.destroy(); // SIGTERM
    assertThat(supervisor.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(ProcessHandle.of(second).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(Files.readString(pattern))
        .as(Files.readString(layout.receiverLog()))
        .isEqualTo(PIPE + "\n");
    assertThat(layout.supervisorPid()).doesNotExist();
    assertThat(Files.readString(layout.receiverLog()))
        .contains("the receiver exited (137); core_pattern is the pipe composer's again")
        .contains("restarting the receiver in 1s")
        .contains("stopped");
  }

  @Test
  void exitNineMeansNotHereAndIsNotRestarted() throws Exception {
    Layout layout = new Layout(dir.resolve("p"));
    Files.createDirectories(layout.socket().getParent());
    Path pattern = Files.writeString(dir.resolve("core_pattern"), PIPE + "\n");
    Files.writeString(layout.receiverLauncher(), "#!/bin/sh\nexit 11\n");
    layout.receiverLauncher().toFile().setExecutable(true);
    Path script =
        Files.writeString(
            layout.supervisor(), new ReceiverScripts(layout, PIPE, pattern).supervisor());
    supervisor = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true).start();
    assertThat(supervisor.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(layout.receiverLog())).contains("not restarting");
    assertThat(Files.readString(pattern)).isEqualTo(PIPE + "\n");
  }

  private static long awaitReceiver(Layout layout, long not) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              try {
                long pid = Long.parseLong(Files.readString(layout.receiverPid()).trim());
                return pid != not && ProcessHandle.of(pid).isPresent() ? pid : -1L;
              } catch (java.io.IOException | NumberFormatException e) {
                return -1L;
              }
            },
            pid -> pid > 0);
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
  }
}
