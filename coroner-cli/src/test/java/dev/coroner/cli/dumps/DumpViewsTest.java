package dev.coroner.cli.dumps;

import static dev.coroner.cli.TestDumps.dump;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.cli.TestDumps;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoredDump;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class DumpViewsTest {
  static final Instant T = Instant.parse("2026-11-27T08:55:15Z");
  final StoredDump host = dump("8179c3b0-0000-0000-0000-000000000000", T, "node", 5, null, false);
  final StoredDump pod =
      dump(
          "9179c3b0-0000-0000-0000-000000000000",
          T,
          "java",
          11,
          new DumpInfo.PodInfo("shop", "cart", "uid", "app", "img"),
          true);

  @Test
  void tableShowsWhereWhatAndMarks() {
    String table =
        DumpViews.table(List.of(host, pod, TestDumps.corrupt("7", T)), false, ZoneOffset.UTC);
    List<String> lines = table.lines().toList();
    assertThat(lines.get(0))
        .startsWith("TIME")
        .contains("WHERE")
        .contains("SIGNAL")
        .contains("SIZE");
    assertThat(lines.get(1))
        .contains("2026-11-27 08:55:15")
        .contains("host")
        .contains("node")
        .contains("SIGTRAP")
        .contains("1.0 MiB")
        .doesNotContain("truncated");
    assertThat(lines.get(2))
        .contains("shop/cart")
        .contains("app")
        .contains("SIGSEGV")
        .endsWith("truncated");
    assertThat(lines.get(3)).endsWith("corrupt");
  }

  @Test
  void wideAddsNameCoreAndNode() {
    String table = DumpViews.table(List.of(host), true, ZoneOffset.UTC);
    assertThat(table)
        .contains("NAME")
        .contains(host.name())
        .contains("50.0 MiB")
        .contains("node-1");
  }

  @Test
  void jsonHasTheDocumentedStableFields() throws Exception {
    JsonNode rows =
        new ObjectMapper().readTree(DumpViews.json(List.of(pod, TestDumps.corrupt("7", T))));
    JsonNode row = rows.get(0);
    assertThat(row.fieldNames())
        .toIterable()
        .containsExactly(
            "name",
            "uuid",
            "location",
            "size",
            "time",
            "readable",
            "problem",
            "timestamp",
            "hostname",
            "node_hostname",
            "namespace",
            "pod",
            "container",
            "container_id",
            "exe",
            "exe_path",
            "pid",
            "host_pid",
            "signal",
            "signal_name",
            "core_size",
            "core_sha256",
            "truncated",
            "truncated_reason",
            "runtime",
            "signature",
            "signature3",
            "top_frame");
    assertThat(row.get("namespace").asText()).isEqualTo("shop");
    assertThat(row.get("signal_name").asText()).isEqualTo("SIGSEGV");
    assertThat(row.get("truncated_reason").asText()).isEqualTo("timeout");
    assertThat(rows.get(1).get("readable").asBoolean()).isFalse();
    assertThat(rows.get(1).get("problem").asText()).isEqualTo("not a zip");
    assertThat(row.get("top_frame").isNull()).as("not analyzed").isTrue();
  }

  static StoredDump analyzed(StoredDump d, String signature, String top) {
    return new StoredDump(
        d.name(),
        d.size(),
        d.stored(),
        d.location(),
        d.info()
            .withAnalysis(
                dev.coroner.dump.CrashAnalysis.listed(
                    "node", signature, signature.substring(0, 8) + "00000000", top),
                List.of()),
        d.problem());
  }

  @Test
  void theCrashColumnNamesTheTopFrameAndJsonItsSignature() throws Exception {
    StoredDump a = analyzed(host, "a6624e6cbf7c7b6e", "bar (index.js:11)");
    StoredDump long_ =
        analyzed(
            pod,
            "1111222233334444",
            "shop::Basket<T>::checkout (basket.cc:1234) " + "x".repeat(60));
    List<String> lines =
        DumpViews.table(List.of(a, long_, host), false, ZoneOffset.UTC).lines().toList();
    int at = lines.get(0).indexOf("CRASH");
    assertThat(at).isGreaterThan(lines.get(0).indexOf("SIGNAL"));
    assertThat(lines.get(1).substring(at)).startsWith("bar (index.js:11)");
    assertThat(lines.get(2).substring(at))
        .startsWith("shop::Basket<T>::checkout (basket.cc:1234) ".substring(0, 39) + "\u2026");
    assertThat(lines.get(3).substring(at)).startsWith("- ");
    assertThat(DumpViews.table(List.of(long_), true, ZoneOffset.UTC)).contains("x".repeat(60));

    JsonNode row = new ObjectMapper().readTree(DumpViews.json(List.of(a))).get(0);
    assertThat(row.get("top_frame").asText()).isEqualTo("bar (index.js:11)");
    assertThat(row.get("signature").asText()).isEqualTo("a6624e6cbf7c7b6e");
    assertThat(row.get("signature3").asText()).isEqualTo("a6624e6c00000000");
    assertThat(row.get("runtime").asText()).isEqualTo("node");
  }
}
