package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) throws InterruptedException {
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    return Main.run(
        args, Map.of("PATH", "/nonexistent"), new PrintStream(new ByteArrayOutputStream()), e);
  }

  @Test
  void usage() throws Exception {
    assertThat(run()).isEqualTo(Main.USAGE);
    assertThat(run("a", "b", "c")).isEqualTo(Main.USAGE);
    assertThat(run("core", "--timeout")).isEqualTo(Main.USAGE);
    assertThat(run("core", "--timeout", "abc")).isEqualTo(Main.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--timeout must be a positive number: 'abc'");
    assertThat(run("core", "--repeat", "0")).isEqualTo(Main.USAGE);
    assertThat(run("core", "--bogus")).isEqualTo(Main.USAGE);
  }

  @Test
  void noCore() throws Exception {
    assertThat(run("/nonexistent/core")).isEqualTo(Main.FAILURE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("No core at /nonexistent/core");
  }
}
