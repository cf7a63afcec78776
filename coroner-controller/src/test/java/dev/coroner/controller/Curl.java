package dev.coroner.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real curl on a URL: what a debug pod or a user's shell does with it. */
final class Curl {
  private Curl() {}

  /** GETs {@code url} into {@code out}; the HTTP status curl saw. */
  static int get(URI url, Path out) throws Exception {
    Process p =
        new ProcessBuilder(
                List.of("curl", "-s", "-o", out.toString(), "-w", "%{http_code}", url.toString()))
            .redirectErrorStream(true)
            .start();
    String code = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return Integer.parseInt(code);
  }
}
