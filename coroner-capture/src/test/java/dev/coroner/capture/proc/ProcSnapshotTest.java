package dev.coroner.capture.proc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.capture.settings.EnvironMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProcSnapshotTest {
  @Test
  void redactionKeepsNamesAndDropsValues() {
    byte[] env =
        "PATH=/usr/bin\0AWS_SECRET_ACCESS_KEY=hunter2\0ODD\0".getBytes(StandardCharsets.UTF_8);
    String redacted = new String(ProcSnapshot.redact(env), StandardCharsets.UTF_8);
    assertThat(redacted)
        .isEqualTo("PATH=<redacted>\0AWS_SECRET_ACCESS_KEY=<redacted>\0ODD\0")
        .doesNotContain("hunter2");
  }

  @Test
  void readsThisProcess() {
    long pid = ProcessHandle.current().pid();
    var snap = ProcSnapshot.read(Path.of("/proc"), pid, -1, EnvironMode.REDACTED);
    assertThat(snap.files())
        .containsKeys(
            "proc/cmdline",
            "proc/cgroup",
            "proc/status",
            "proc/maps",
            "proc/limits",
            "proc/environ",
            "proc/exe");
    assertThat(snap.exePath()).endsWith("/java");
    assertThat(snap.cmdline()).isNotEmpty();
    assertThat(snap.uid()).isGreaterThanOrEqualTo(0);
    assertThat(new String(snap.files().get("proc/environ"), StandardCharsets.UTF_8))
        .contains("=<redacted>")
        .doesNotContain("PATH=/");
    assertThat(snap.pidfdVerified()).isFalse();
  }

  @Test
  void environIsOffByDefault() {
    long pid = ProcessHandle.current().pid();
    var snap = ProcSnapshot.read(Path.of("/proc"), pid, -1, EnvironMode.OFF);
    assertThat(snap.files()).doesNotContainKey("proc/environ");
  }

  @Test
  void aVanishedProcessGivesWarningsNotErrors() {
    var snap = ProcSnapshot.read(Path.of("/proc"), 999_999_999L, 3, EnvironMode.OFF);
    assertThat(snap.files()).isEmpty();
    assertThat(snap.warnings()).isNotEmpty();
    assertThat(snap.exePath()).isNull();
  }
}
