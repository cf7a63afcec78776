package dev.coroner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code coroner demo}, README command (1), as its own process: the whole flow, and the restore
 * when it is stopped half-way (SIGTERM runs the same shutdown hook as Ctrl-C).
 */
class DemoIT {
  private KernelGuard guard;
  private Path dir;

  @BeforeEach
  void save() throws Exception {
    guard = new KernelGuard();
    dir = Files.createTempDirectory(Path.of("/tmp"), "demo");
  }

  @AfterEach
  void restore() throws Exception {
    guard.close();
    new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(30, TimeUnit.SECONDS);
  }

  @Test
  void demoShowsTheJavaScriptStackAndRestoresTheKernel() throws Exception {
    Process p = demo().redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out)
        .contains("4. coroner list")
        .contains("SIGTRAP")
        .contains("5. coroner info")
        .contains("Complete:      yes")
        .contains("bar(")
        .contains("foo(")
        .contains("v8 source list")
        .contains("throw \"Boom!\";")
        .contains("restore kernel settings");
    assertThat(KernelGuard.current()).isEqualTo(guard.saved());
  }

  @Test
  void stoppingTheDemoRestoresTheKernel() throws Exception {
    Process p =
        demo().redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile()).start();
    try {
      await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> !KernelGuard.current().equals(guard.saved()) || !p.isAlive());
      assertThat(p.isAlive()).as(Files.readString(dir.resolve("out"))).isTrue();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(KernelGuard.current()).isEqualTo(guard.saved());
      assertThat(Files.readString(dir.resolve("out"))).contains("restore kernel settings");
    } finally {
      p.destroyForcibly();
    }
  }

  private ProcessBuilder demo() {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "demo",
                "--prefix",
                dir.resolve("p").toString(),
                "--dumps",
                dir.resolve("dumps").toString(),
                "--app",
                CaptureIT.APP.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
    return pb;
  }
}
