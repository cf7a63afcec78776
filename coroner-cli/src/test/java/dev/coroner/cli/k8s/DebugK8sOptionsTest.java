package dev.coroner.cli.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster options of {@code coroner debug}: what they need and how bad values read. */
class DebugK8sOptionsTest {
  @TempDir Path tmp;

  @Test
  void clusterOptionsNeedK8s() {
    for (List<String> args :
        List.of(
            List.of("-n", "shop"),
            List.of("--namespace", "shop"),
            List.of("-i", "node:20"),
            List.of("--keep"),
            List.of("--url-ttl", "5m"),
            List.of("--dry-run"))) {
      Run r = debug(args);
      assertThat(r.code()).as(args.toString()).isEqualTo(2);
      assertThat(r.err()).as(args.toString()).contains("needs --k8s");
    }
  }

  @Test
  void durationsAreCheckedWhenParsed() {
    Run r = debug(List.of("--k8s", "--url-ttl", "soon"));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("not a duration like 600s, 10m or 7d: 'soon'");
  }

  @Test
  void aLocalStoreCannotFeedAPod() {
    Run r = debug(List.of("--k8s", "--batch", "-o", "bt"));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("--k8s needs the dumps in object storage")
        .contains("--store s3://bucket/prefix");
  }

  @Test
  void helpShowsTheClusterOptionsAndGcExists() {
    Run help = run(List.of("debug", "--help"));
    assertThat(help.out())
        .contains("--k8s", "--context", "--namespace", "--image", "--debug-image", "--url-ttl")
        .contains("--deadline", "--wait", "--keep", "--image-pull-secret", "--dry-run");
    assertThat(run(List.of("gc", "--help")).out()).contains("--all-namespaces", "--older-than");
  }

  private Run debug(List<String> extra) {
    List<String> args = new ArrayList<>(List.of("debug", "latest", "--store", tmp.toString()));
    args.addAll(extra);
    return run(args);
  }

  private Run run(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            args.toArray(String[]::new),
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            Map.of("HOME", tmp.toString()));
    return new Run(code, out.toString(), err.toString());
  }

  record Run(int code, String out, String err) {}
}
