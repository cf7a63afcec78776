package dev.coroner.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coroner.receiver.kernel.KernelReport;
import dev.coroner.receiver.kernel.KernelSupport;
import dev.coroner.receiver.kernel.PatternChange;
import dev.coroner.receiver.kernel.SocketPattern;
import dev.coroner.testkit.KernelLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link KernelSupport} on this machine's kernel. Writes core_pattern, so it runs under
 * /run/coroner-kernel.lock ({@code flock /run/coroner-kernel.lock ./mvnw ... verify}) and puts the
 * exact previous pattern back after each test.
 */
class KernelSupportIT {
  private final KernelSupport kernel = KernelSupport.host();
  private String saved;
  private KernelLock lock;

  @BeforeEach
  void save() throws Exception {
    assumeTrue(
        ProcessHandle.current().info().user().orElse("").equals("root"),
        "skipped: writing core_pattern needs root");
    KernelReport report = kernel.report();
    assumeTrue(report.socketMode(), () -> "skipped: " + report.problems(SocketPattern.STREAM));
    lock = KernelLock.acquire();
    saved = kernel.corePattern();
  }

  @AfterEach
  void restore() throws Exception {
    try {
      if (saved != null) {
        kernel.restore(saved);
        assertThat(kernel.corePattern()).isEqualTo(saved);
      }
    } finally {
      if (lock != null) {
        lock.close();
      }
    }
  }

  @Test
  void thisKernelOffersBothFormsFromHere() {
    KernelReport report = kernel.report();
    assertThat(report.offers(SocketPattern.STREAM)).isTrue();
    assertThat(report.offers(SocketPattern.REQUEST))
        .isEqualTo(report.major() > 6 || report.minor() >= 17);
    assertThat(report.namespaceProblem()).isEmpty();
  }

  @Test
  void socketPatternIsSetAndReadBack() throws IOException {
    PatternChange change = kernel.trySet("@@/run/coroner-receiver-it.sock");
    assertThat(change.status()).as(change.detail()).isEqualTo(PatternChange.Status.SET);
    assertThat(change.previous()).isEqualTo(saved);
    assertThat(kernel.corePattern()).isEqualTo("@@/run/coroner-receiver-it.sock");
  }

  @Test
  void invalidSocketPatternsAreRefusedWithEinval() throws IOException {
    // 6.18 validates at write time again (6.16.8 to 6.17.4 did not). It takes a space in the path
    // ("@/run/a b.sock"), though the socket path rules refuse one.
    for (String bad : new String[] {"@@relative.sock", "@/run/../x.sock", "@@@/x", "@"}) {
      PatternChange change = kernel.trySet(bad);
      assertThat(change.status()).as(bad).isEqualTo(PatternChange.Status.REFUSED);
      assertThat(change.detail()).contains("Invalid argument");
      assertThat(kernel.corePattern()).isEqualTo(saved);
    }
  }

  @Test
  void truncatedPatternIsPutBack() throws IOException {
    String tooLong = "/tmp/" + "x".repeat(150);
    PatternChange change = kernel.trySet(tooLong);
    assertThat(change.status()).as(change.detail()).isEqualTo(PatternChange.Status.REVERTED);
    assertThat(change.readBack()).hasSize(127);
    assertThat(kernel.corePattern()).isEqualTo(saved);
  }

  @Test
  void anotherMountNamespaceCannotSetASocketPattern() throws Exception {
    Process p =
        new ProcessBuilder(
                "unshare",
                "-m",
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                KernelSupportProbe.class.getName(),
                "@@/run/coroner-receiver-it.sock")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("status=REFUSED").contains("Invalid argument");
    // "not in the initial mount namespace", or "cannot tell" where PID 1's ns link is unreadable
    assertThat(out).contains("initial mount namespace");
    assertThat(kernel.corePattern()).isEqualTo(saved);
  }
}
