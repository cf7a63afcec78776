package dev.coroner.agent.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog's script run for real by {@code /bin/sh}, with a plain file standing in for
 * core_pattern: EOF on its stdin (what the JVM's death gives it) puts the pipe pattern back only
 * while the file names the socket. AgentSocketIT kills a real agent.
 */
class PipeWatchdogTest {
  private static final String PIPE =
      "|/opt/coroner/composer %P %p %I %i %s %t %h %e %E %c %u %g %F";

  @Test
  void eofPutsThePipeBackOverTheSocketPattern(@TempDir Path dir) throws Exception {
    Path pattern = dir.resolve("core_pattern");
    Path socket = Path.of("/opt/coroner/run/coredump.sock");
    Files.writeString(pattern, "@@" + socket + "\n");
    PipeWatchdog w = PipeWatchdog.start(PIPE, socket, pattern, dir.resolve("log"));
    assertThat(w.alive()).isTrue();
    w.close();
    assertThat(Files.readString(pattern)).isEqualTo(PIPE + "\n");
    assertThat(Files.readString(dir.resolve("log"))).contains("pipe watchdog: the agent (pid ");
  }

  @Test
  void eofLeavesAnyOtherPatternAlone(@TempDir Path dir) throws Exception {
    Path pattern = dir.resolve("core_pattern");
    Path socket = Path.of("/opt/coroner/run/coredump.sock");
    Files.writeString(pattern, "@@/other/run/coredump.sock\n");
    PipeWatchdog w = PipeWatchdog.start(PIPE, socket, pattern, dir.resolve("log"));
    w.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> !w.alive());
    assertThat(Files.readString(pattern)).isEqualTo("@@/other/run/coredump.sock\n");
    assertThat(Files.readString(dir.resolve("log"))).isEmpty();
  }
}
