package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessRunnerTest {
  private final ProcessRunner runner = new ProcessRunner();

  private static CommandRunner.Command sh(String script, Duration timeout, int max) {
    return new CommandRunner.Command(
        List.of("sh", "-c", script), Map.of("GREETING", "hi"), timeout, max);
  }

  @Test
  void outputExitCodeAndEnvironment() throws Exception {
    CommandRunner.Result r =
        runner.run(sh("echo \"$GREETING\"; echo oops >&2; exit 3", Duration.ofSeconds(10), 4096));
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stdout()).isEqualTo("hi\n");
    assertThat(r.stderr()).isEqualTo("oops\n");
    assertThat(r.timedOut()).isFalse();
    assertThat(r.truncated()).isFalse();
  }

  @Test
  void controlCharactersAreRemoved() throws Exception {
    CommandRunner.Result r =
        runner.run(sh("printf '\\033[1mbold\\033[0m\\a\\r\\n'", Duration.ofSeconds(10), 4096));
    assertThat(r.stdout()).isEqualTo("bold\n");
  }

  @Test
  void aHangingCommandAndItsChildrenAreKilledAtTheTimeout() throws Exception {
    CommandRunner.Result r =
        runner.run(sh("sleep 300 & echo $!; wait", Duration.ofMillis(500), 4096));
    assertThat(r.timedOut()).isTrue();
    assertThat(r.exitCode()).isEqualTo(-1);
    assertThat(r.durationMs()).isLessThan(10_000);
    long child = Long.parseLong(r.stdout().strip());
    await()
        .atMost(10, TimeUnit.SECONDS)
        .untilAsserted(
            () ->
                assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive))
                    .isNotEqualTo(java.util.Optional.of(true)));
  }

  @Test
  void endlessOutputIsCutAndTheCommandKilled() throws Exception {
    CommandRunner.Result r = runner.run(sh("yes frame", Duration.ofSeconds(30), 10_000));
    assertThat(r.truncated()).isTrue();
    assertThat(r.timedOut()).isFalse();
    assertThat(r.stdout()).hasSize(10_000).startsWith("frame\nframe\n");
    assertThat(r.durationMs()).isLessThan(10_000);
  }

  @Test
  void aMissingProgramCannotStart() {
    assertThatThrownBy(
            () ->
                runner.run(
                    new CommandRunner.Command(
                        List.of("/nonexistent/eu-stack"), Map.of(), Duration.ofSeconds(1), 4096)))
        .isInstanceOf(IOException.class);
  }
}
