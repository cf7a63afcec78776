package dev.coroner.cli.dumps;

import static dev.coroner.cli.TestDumps.dump;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.cli.TestDumps;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoredDump;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class DumpFilterTest {
  static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  static final DumpInfo.PodInfo POD =
      new DumpInfo.PodInfo("shop", "cart-7d9f", "uid", "app", "img");

  final StoredDump node =
      dump("11111111-0000-0000-0000-000000000000", NOW.minusSeconds(3600), "node", 5, null, false);
  final StoredDump java =
      dump(
          "22222222-0000-0000-0000-000000000000",
          NOW.minusSeconds(86400 * 3),
          "java",
          11,
          POD,
          false);

  @Test
  void noCriteriaMatchesEverythingEvenCorruptDumps() {
    var all = new DumpFilter(null, null, null, null, null, null);
    assertThat(all.test(node)).isTrue();
    assertThat(all.test(TestDumps.corrupt("33333333", NOW))).isTrue();
  }

  @Test
  void timeWindow() {
    var recent = new DumpFilter(NOW.minusSeconds(7200), null, null, null, null, null);
    assertThat(recent.test(node)).isTrue();
    assertThat(recent.test(java)).isFalse();
    var old = new DumpFilter(null, NOW.minusSeconds(86400), null, null, null, null);
    assertThat(old.test(node)).isFalse();
    assertThat(old.test(java)).isTrue();
  }

  @Test
  void exeSignalNamespaceAndPod() {
    assertThat(new DumpFilter(null, null, "node", null, null, null).test(node)).isTrue();
    assertThat(new DumpFilter(null, null, "no*", null, null, null).test(java)).isFalse();
    assertThat(new DumpFilter(null, null, null, null, null, 11).test(java)).isTrue();
    assertThat(new DumpFilter(null, null, null, null, null, 11).test(node)).isFalse();
    assertThat(new DumpFilter(null, null, null, "shop", null, null).test(java)).isTrue();
    assertThat(new DumpFilter(null, null, null, "shop", null, null).test(node)).isFalse();
    assertThat(new DumpFilter(null, null, null, null, "cart-*", null).test(java)).isTrue();
    assertThat(new DumpFilter(null, null, null, null, "cart-*", null).test(node)).isFalse();
    assertThat(
            new DumpFilter(null, null, "node", null, null, null).test(TestDumps.corrupt("3", NOW)))
        .isFalse();
  }

  @Test
  void timeArguments() {
    assertThat(TimeArg.parse("2h", NOW, ZoneOffset.UTC)).isEqualTo(NOW.minusSeconds(7200));
    assertThat(TimeArg.parse("2026-11-27T08:00:00Z", NOW, ZoneOffset.UTC))
        .isEqualTo(Instant.parse("2026-11-27T08:00:00Z"));
    assertThat(TimeArg.parse("2026-11-27 08:00", NOW, ZoneOffset.ofHours(1)))
        .isEqualTo(Instant.parse("2026-11-27T07:00:00Z"));
    assertThat(TimeArg.parse("2026-11-26", NOW, ZoneOffset.UTC))
        .isEqualTo(Instant.parse("2026-11-26T00:00:00Z"));
    assertThatThrownBy(() -> TimeArg.parse("yesterday", NOW, ZoneOffset.UTC))
        .hasMessageContaining("'yesterday'")
        .hasMessageContaining("2h or 7d");
  }
}
