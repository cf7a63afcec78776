package dev.coroner.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExeFilterTest {
  @Test
  void globWithoutSlashMatchesTheNameOrComm() {
    assertThat(ExeFilter.excludedBy(List.of("sleep"), "/usr/bin/sleep", "sleep"))
        .isEqualTo("sleep");
    assertThat(ExeFilter.excludedBy(List.of("test-*"), null, "test-runner")).isEqualTo("test-*");
    assertThat(ExeFilter.excludedBy(List.of("node"), "/usr/bin/nodejs", "nodejs")).isNull();
  }

  @Test
  void globWithSlashMatchesThePath() {
    assertThat(ExeFilter.excludedBy(List.of("/usr/lib/chromium/**"), "/usr/lib/chromium/x/y", "y"))
        .isEqualTo("/usr/lib/chromium/**");
    assertThat(ExeFilter.excludedBy(List.of("/opt/*"), "/usr/bin/node", "node")).isNull();
  }

  @Test
  void aGlobThatDoesNotCompileMatchesNothingAndIsReported() {
    assertThat(ExeFilter.excludedBy(List.of("[", "node"), "/usr/bin/node", "node"))
        .isEqualTo("node");
    assertThat(ExeFilter.excludedBy(List.of("["), "/usr/bin/[", "[")).isNull();
    assertThat(ExeFilter.invalid(List.of("[", "node", "/a/{b")))
        .hasSize(2)
        .allSatisfy(w -> assertThat(w).contains("is not a glob").endsWith("it is ignored"));
  }

  @Test
  void nothingExcludedByDefault() {
    assertThat(ExeFilter.excludedBy(List.of(), "/usr/bin/node", "node")).isNull();
  }
}
