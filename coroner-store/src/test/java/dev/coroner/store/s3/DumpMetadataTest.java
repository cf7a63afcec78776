package dev.coroner.store.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.dump.Compression;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.IntegrityCause;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The object metadata of a dump: within S3's 2 KiB, and read back whatever had to go. */
class DumpMetadataTest {
  private static final String UUID = "8179c3b0-d92b-47c4-8776-99992cf68adf";

  @Test
  void theLongestValuesStillFitS3sLimitAndTheDumpStillReadsBack() {
    String slashes = "/(:)".repeat(100); // each character percent-encodes to three
    DumpInfo info =
        dump(slashes, slashes, slashes)
            .withAnalysis(
                new CrashAnalysis(
                    "native",
                    "s".repeat(16),
                    "t".repeat(16),
                    slashes,
                    "eu-stack",
                    1,
                    null,
                    List.of()),
                List.of());
    Map<String, String> m = DumpMetadata.of(info);
    assertThat(DumpMetadata.size(m)).isLessThanOrEqualTo(DumpMetadata.BUDGET).isLessThan(2048);
    assertThat(m)
        .containsKeys("uuid", "name", "timestamp", "core-size", "core-sha256", "signature")
        .doesNotContainKey("top-frame");
    DumpInfo back = DumpMetadata.parse(m);
    assertThat(back.uuid()).isEqualTo(UUID);
    assertThat(back.core().sha256()).isEqualTo(info.core().sha256());
    assertThat(back.integrity().truncated()).isTrue();
    assertThat(back.analysis()).isNotNull();
    assertThat(back.analysis().signature()).isEqualTo("s".repeat(16));
  }

  @Test
  void anOrdinaryDumpKeepsEveryKey() {
    Map<String, String> m = DumpMetadata.of(dump("/usr/bin/node", "node:20", "timeout"));
    assertThat(m).containsKeys("exe-path", "image", "truncated-reason", "hostname", "pod-uid");
    assertThat(DumpMetadata.size(m)).isLessThan(DumpMetadata.BUDGET);
  }

  private static DumpInfo dump(String exePath, String image, String reason) {
    return new DumpInfo(
        DumpInfo.SCHEMA_VERSION,
        UUID,
        UUID + "-dump-1-web-node-7-11",
        1_796_000_000L,
        "web-1",
        "node-1",
        new DumpInfo.ProcessInfo(
            "node",
            exePath,
            List.of("node"),
            7,
            4242,
            7,
            4242,
            1000,
            1000,
            11,
            "ab".repeat(32),
            "unlimited",
            true),
        new DumpInfo.PodInfo(
            "shop",
            "web-1",
            "uid-1",
            "app",
            image,
            "sha256:" + "c".repeat(64),
            0,
            "node-1",
            Map.of(),
            Map.of()),
        new DumpInfo.CoreInfo("core.zst", Compression.ZSTD, 1 << 20, 4000, "ab".repeat(32), null),
        DumpInfo.Integrity.truncated(IntegrityCause.TIMEOUT, reason),
        List.of(),
        new DumpInfo.ComposerInfo("test", 1, List.of()));
  }
}
