package dev.coroner.kube.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.dump.Compression;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.DumpLocation;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A dump's CoreDump, through JSON as the API server stores it, and back to dump-info. */
class CoreDumpsTest {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final String UUID = "5bf9a35f-22b7-424c-8b92-fbbdae2b4216";

  @Test
  void theAnalysisSummaryTravelsWithTheCoreDumpAndBack() {
    CrashAnalysis a =
        new CrashAnalysis(
            "node",
            "a1b2c3d4e5f60718",
            "0f1e2d3c4b5a6978",
            "bar (index.js:13)",
            "lldb+llnode",
            812,
            null,
            List.of());
    CoreDump d = roundTrip(CoreDumps.of(info().withAnalysis(a, List.of()), origin(), "shop", null));
    assertThat(d.getSpec().crash())
        .isEqualTo(
            new CoreDumpSpec.Crash(
                "node", "a1b2c3d4e5f60718", "0f1e2d3c4b5a6978", "bar (index.js:13)"));
    CrashAnalysis back = CoreDumps.info(d).analysis();
    assertThat(back).isNotNull();
    assertThat(back.topFrame()).isEqualTo("bar (index.js:13)");
    assertThat(back.signature()).isEqualTo("a1b2c3d4e5f60718");
    assertThat(back.signature3()).isEqualTo("0f1e2d3c4b5a6978");
    assertThat(back.runtime()).isEqualTo("node");
  }

  @Test
  void theScrubAndTheEncryptionAreSaidToo() {
    DumpInfo info =
        info()
            .scrubbed(
                info().process(),
                info().pod(),
                info().core(),
                info().integrity(),
                List.of(),
                new DumpInfo.ScrubInfo("drop-heap", java.util.Map.of("jwt", 1L), false, 5))
            .readableCopy(new DumpInfo.EncryptionInfo("age", List.of(), DumpInfo.WITHHELD));
    CoreDump d = roundTrip(CoreDumps.of(info, origin(), "shop", null));
    assertThat(d.getSpec().scrub()).isEqualTo(new CoreDumpSpec.Scrub("drop-heap", false));
    assertThat(d.getSpec().encryption()).isEqualTo("age");
    DumpInfo back = CoreDumps.info(d);
    assertThat(back.scrub()).isNotNull();
    assertThat(back.scrub().mode()).isEqualTo("drop-heap");
    assertThat(back.scrub().complete()).isFalse();
    assertThat(back.encryption()).isNotNull();
    assertThat(back.encryption().format()).isEqualTo("age");
  }

  @Test
  void aDumpNotAnalyzedHasNoCrashAndReadsAsNotAnalyzed() {
    CoreDump d = roundTrip(CoreDumps.of(info(), origin(), "shop", null));
    assertThat(d.getSpec().crash()).isNull();
    assertThat(JSON.asJson(d)).doesNotContain("\"crash\"");
    assertThat(CoreDumps.info(d).analysis()).isNull();
    assertThat(CoreDumps.info(d).scrub()).isNull();
    assertThat(CoreDumps.info(d).encryption()).isNull();
  }

  private static CoreDump roundTrip(CoreDump d) {
    return JSON.unmarshal(JSON.asJson(d), CoreDump.class);
  }

  private static CoreDumps.Origin origin() {
    return new CoreDumps.Origin(
        "s3://dumps/prod/",
        new DumpLocation.StoredObject("s3", "dumps", "prod/shop/" + UUID + ".zip"),
        4096);
  }

  private static DumpInfo info() {
    return new DumpInfo(
        DumpInfo.SCHEMA_VERSION,
        UUID,
        UUID + "-dump-1-web-node-7-11",
        1_796_000_000L,
        "web-1",
        "node-1",
        new DumpInfo.ProcessInfo(
            "node",
            "/usr/bin/node",
            List.of("node"),
            7,
            4242,
            7,
            4242,
            1000,
            1000,
            11,
            null,
            "unlimited",
            true),
        new DumpInfo.PodInfo(
            "shop", "web-1", "uid-1", "app", "img", null, 0, "node-1", Map.of(), Map.of()),
        new DumpInfo.CoreInfo("core.zst", Compression.ZSTD, 1 << 20, 4000, "ab".repeat(32), null),
        DumpInfo.Integrity.complete(),
        List.of(),
        new DumpInfo.ComposerInfo("test", 1, List.of()));
  }
}
