package dev.coroner.cli.dumps;

import static dev.coroner.cli.TestDumps.dump;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coroner.cli.TestDumps;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoredDump;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Dumps grouped by signature: counts, first and last seen, workloads, nodes, namespaces. */
class DumpGroupsTest {
  static final Instant T = Instant.parse("2026-11-27T08:00:00Z");

  private static StoredDump crash(int minute, String sig, String top, DumpInfo.PodInfo pod) {
    StoredDump d =
        dump(UUID.randomUUID().toString(), T.plusSeconds(60L * minute), "node", 5, pod, false);
    return new StoredDump(
        d.name(),
        d.size(),
        d.stored(),
        d.location(),
        d.info()
            .withAnalysis(
                sig == null
                    ? null
                    : CrashAnalysis.listed("node", sig, sig.substring(0, 4) + "0".repeat(12), top),
                List.of()),
        d.problem());
  }

  private static DumpInfo.PodInfo pod(String ns, String name) {
    return new DumpInfo.PodInfo(ns, name, "uid", "app", "img");
  }

  @Test
  void tenDumpsOfThreeBugsAreThreeGroupsWithTheirCounts() throws Exception {
    List<StoredDump> dumps =
        List.of(
            crash(0, "aaaa111111111111", "bar (index.js:11)", pod("shop", "web-7d9fb8c6d4-x2kvz")),
            crash(1, "aaaa111111111111", "bar (index.js:11)", pod("shop", "web-7d9fb8c6d4-q9wbn")),
            crash(2, "aaaa111111111111", "bar (index.js:11)", pod("pay", "api-0")),
            crash(3, "aaaa111111111111", "bar (index.js:11)", null),
            crash(4, "bbbb222222222222", "foo (index.js:7)", pod("shop", "web-7d9fb8c6d4-x2kvz")),
            crash(5, "bbbb222222222222", "foo (index.js:7)", pod("shop", "web-hello")),
            crash(6, "bbbb222222222222", "foo (index.js:7)", pod("shop", "agent-x7k2p")),
            crash(7, "cccc333333333333", "crash_write (segv.c:10)", null),
            crash(8, "cccc333333333333", "crash_write (segv.c:10)", null),
            crash(9, "cccc333333333333", "crash_write (segv.c:10)", null),
            crash(10, null, null, null),
            TestDumps.corrupt("7", T));
    List<DumpGroups.Group> groups = DumpGroups.of(dumps, false);
    assertThat(groups)
        .extracting(DumpGroups.Group::signature)
        .containsExactly("aaaa111111111111", "cccc333333333333", "bbbb222222222222", "-");
    assertThat(groups).extracting(g -> g.dumps().size()).containsExactly(4, 3, 3, 1);
    DumpGroups.Group bar = groups.get(0);
    assertThat(bar.first()).isEqualTo(T);
    assertThat(bar.last()).isEqualTo(T.plusSeconds(180));
    assertThat(bar.topFrame()).isEqualTo("bar (index.js:11)");
    assertThat(bar.workloads()).containsExactly("node", "pay/api", "shop/web");
    assertThat(bar.namespaces()).containsExactly("pay", "shop");
    assertThat(bar.nodes()).containsExactly("node-1");
    assertThat(groups.get(2).workloads())
        .as("generated suffixes only: web-hello is a name")
        .containsExactly("shop/agent", "shop/web", "shop/web-hello");

    String table = DumpGroups.table(groups, false, ZoneOffset.UTC, true);
    List<String> lines = table.lines().toList();
    assertThat(lines.get(0)).startsWith("SIGNATURE").contains("COUNT", "FIRST", "LAST", "CRASH");
    assertThat(lines.get(1))
        .startsWith("aaaa111111111111  4")
        .contains("2026-11-27 08:00:00 Z", "2026-11-27 08:03:00 Z", "bar (index.js:11)")
        .contains("node,pay/api,+1");
    assertThat(lines.get(4)).startsWith("-").contains("(no signature)");

    JsonNode json = DumpGroups.json(groups);
    assertThat(json.get(0).get("count").asInt()).isEqualTo(4);
    assertThat(json.get(0).get("workloads")).hasSize(3);
    assertThat(json.get(0).get("dumps")).hasSize(4);
    assertThat(json.get(3).get("signature").isNull()).isTrue();

    // Coarsely, bbbb and aaaa stay apart (their signature3 differ here), the counts are the same.
    assertThat(DumpGroups.of(dumps, true))
        .extracting(g -> g.dumps().size())
        .containsExactly(4, 3, 3, 1);
  }

  @Test
  void aCommandLineGroupsWhatItLists() {
    var cl =
        dev.coroner.cli.Main.commandLine(
            dev.coroner.cli.CliConfig.load(
                java.util.Map.of(), java.nio.file.Path.of("/nonexistent")));
    var parsed = cl.parseArgs("groups", "--coarse", "-o", "json", "--no-analyze");
    assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("groups");
    assertThat(parsed.subcommand().hasMatchedOption("--coarse")).isTrue();
  }
}
