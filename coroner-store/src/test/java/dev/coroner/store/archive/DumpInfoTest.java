package dev.coroner.store.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.dump.Compression;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.dump.KeptBinary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

public class DumpInfoTest {
  public static DumpInfo sample() {
    return new DumpInfo(
        DumpInfo.SCHEMA_VERSION,
        "a686e8f6-1b46-4e71-9d1a-3c65079ca686",
        "a686e8f6-1b46-4e71-9d1a-3c65079ca686-dump-1634419098-node-crasher-node-8-5",
        1634419098,
        "node-crasher",
        "worker-1",
        new DumpInfo.ProcessInfo(
            "node",
            "/usr/bin/node",
            List.of("node", "--abort-on-uncaught-exception", "index.js", "quote\" back\\ \u0001"),
            8,
            4242,
            8,
            4242,
            1000,
            1000,
            5,
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "unlimited",
            true),
        new DumpInfo.PodInfo("default", "node-crasher", "pod-uid-1", "app", "example:1"),
        new DumpInfo.CoreInfo(
            "x.core.zst", Compression.ZSTD, 50331648, 1234567, "ab".repeat(32), 50331648L),
        DumpInfo.Integrity.complete(),
        List.of("proc/cmdline", "x.core.zst"),
        new DumpInfo.ComposerInfo("0.1.0", 120, List.of()));
  }

  static DumpInfo with(DumpInfo s, DumpInfo.PodInfo pod, DumpInfo.Integrity integrity) {
    return new DumpInfo(
        s.schemaVersion(),
        s.uuid(),
        s.name(),
        s.timestamp(),
        s.hostname(),
        s.nodeHostname(),
        s.process(),
        pod,
        s.core(),
        integrity,
        s.files(),
        s.composer());
  }

  @Test
  void jsonRoundTripsThroughTheReader() throws IOException {
    DumpInfo info = sample();
    assertThat(DumpInfoJson.parse(info.toJson().getBytes(StandardCharsets.UTF_8))).isEqualTo(info);
  }

  /** The analysis and the binaries the agent adds before upload. */
  public static DumpInfo analyzed(DumpInfo info) {
    return info.withAnalysis(
        new CrashAnalysis(
            "node",
            "a6624e6cbf7c7b6e",
            "8a6e29108674d8c9",
            "bar (index.js:11)",
            "lldb+llnode",
            930,
            null,
            List.of(
                new CrashAnalysis.Frame("marker", "<exit>", null, null, null, null, 0, null, false),
                new CrashAnalysis.Frame(
                    "js", "bar", null, null, null, "/app/index.js", 11, "bar@index.js", true),
                new CrashAnalysis.Frame(
                    "native",
                    "uv_run",
                    "node",
                    "d64b6f3e86fd45e662257e0700e4c5f8aa45cc6f",
                    "0x1194",
                    null,
                    0,
                    "node!uv_run",
                    false))),
        List.of(
            KeptBinary.kept(
                "/usr/bin/node",
                "d64b6f3e86fd45e662257e0700e4c5f8aa45cc6f",
                98932688,
                "cd".repeat(32)),
            KeptBinary.notKept(
                "/lib/x86_64-linux-gnu/libc.so.6", "93ac61ec", 1922136, "larger than 1 MiB")));
  }

  @Test
  void theAnalysisAndTheBinariesRoundTrip() throws IOException {
    DumpInfo info = analyzed(sample());
    String json = info.toJson();
    assertThat(DumpInfoJson.parse(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(info);
    JsonNode tree = new ObjectMapper().readTree(json);
    assertThat(tree.at("/analysis/top_frame").asText()).isEqualTo("bar (index.js:11)");
    assertThat(tree.at("/analysis/frames/1/in_app").asBoolean()).isTrue();
    assertThat(tree.at("/analysis/frames/0/line").isMissingNode()).isTrue();
    assertThat(tree.at("/binaries/0/build_id").asText()).startsWith("d64b6f3e");
    assertThat(tree.at("/binaries/1/reason").asText()).isEqualTo("larger than 1 MiB");
  }

  @Test
  void anAnalyzedDumpScrubbedAndEncryptedRoundTripsWithAllFiveParts() throws IOException {
    // The agent's order: analysis (examine), then scrub, then the readable copy beside the
    // encrypted object. Each step keeps what the others added.
    DumpInfo analyzed = analyzed(sample());
    DumpInfo scrubbed =
        analyzed.scrubbed(
            analyzed.process(),
            analyzed.pod(),
            analyzed.core(),
            analyzed.integrity(),
            analyzed.files(),
            new DumpInfo.ScrubInfo("default", Map.of("jwt", 2L), true, 40));
    DumpInfo readable =
        scrubbed.readableCopy(
            new DumpInfo.EncryptionInfo(
                "age", List.of("age1" + "q".repeat(58)), DumpInfo.WITHHELD));
    assertThat(scrubbed.analysis()).isEqualTo(analyzed.analysis());
    // Beside an encrypted object: the top frame and the signatures, not the frames read from
    // the core (they are in the encrypted zip).
    assertThat(readable.analysis())
        .usingRecursiveComparison()
        .ignoringFields("frames", "problem")
        .isEqualTo(analyzed.analysis());
    assertThat(readable.analysis().frames()).isEmpty();
    assertThat(readable.encryption().withheld()).contains("analysis.frames");
    for (DumpInfo info : List.of(scrubbed, readable)) {
      assertThat(info.binaries()).isEqualTo(analyzed.binaries());
      assertThat(info.scrub()).isNotNull();
      assertThat(DumpInfoJson.parse(info.toJson().getBytes(StandardCharsets.UTF_8)))
          .isEqualTo(info);
    }
    assertThat(readable.encryption()).isNotNull();
    assertThat(readable.process().cmdline()).isEmpty();
  }

  @Test
  void anAnalysisAndBinariesWithFieldsMissingStillRead() throws IOException {
    // Another writer's dump-info may lack any of them: read as unknown, never as damage.
    String json =
        sample()
            .toJson()
            .replaceFirst(
                "\\n}$",
                ",\n  \"analysis\": {\"frames\": [{\"in_app\": true}]},"
                    + "\n  \"binaries\": [{\"kept\": true}]\n}");
    DumpInfo read = DumpInfoJson.parse(json.getBytes(StandardCharsets.UTF_8));
    CrashAnalysis a = read.analysis();
    assertThat(a).isNotNull();
    assertThat(a.runtime()).isNull();
    assertThat(a.signature()).isNull();
    assertThat(a.frames()).hasSize(1);
    assertThat(a.frames().get(0).function()).isEmpty();
    assertThat(a.frames().get(0).kind()).isNull();
    KeptBinary b = read.binaries().get(0);
    assertThat(b.path()).isNull();
    assertThat(b.buildId()).isNull();
    assertThat(b.fileName()).isEqualTo("file");
    assertThat(KeptBinary.isBuildId(b.buildId())).isFalse();
  }

  @Test
  void aDumpWithoutAnalysisWritesNoneAndReadsBackWithout() throws IOException {
    String json = sample().toJson();
    assertThat(json).doesNotContain("analysis").doesNotContain("binaries");
    DumpInfo back = DumpInfoJson.parse(json.getBytes(StandardCharsets.UTF_8));
    assertThat(back.analysis()).isNull();
    assertThat(back.binaries()).isEmpty();
  }

  @Test
  void aSnapshotRoundTripsAndACrashHasNoSnapshot() throws IOException {
    DumpInfo crash = sample();
    assertThat(new ObjectMapper().readTree(crash.toJson()).has("snapshot")).isFalse();
    DumpInfo s = crash;
    DumpInfo snap =
        new DumpInfo(
            s.schemaVersion(),
            s.uuid(),
            s.name(),
            s.timestamp(),
            s.hostname(),
            s.nodeHostname(),
            s.process(),
            s.pod(),
            s.core(),
            s.integrity(),
            s.files(),
            s.composer(),
            new DumpInfo.SnapshotInfo("fork", 23_456, 7));
    JsonNode json = new ObjectMapper().readTree(snap.toJson()).get("snapshot");
    assertThat(json.get("method").asText()).isEqualTo("fork");
    assertThat(json.get("freeze_ms").asLong()).isEqualTo(24);
    assertThat(json.get("freeze_micros").asLong()).isEqualTo(23_456);
    assertThat(json.get("threads").asInt()).isEqualTo(7);
    DumpInfo read = DumpInfoJson.parse(snap.toJson().getBytes(StandardCharsets.UTF_8));
    assertThat(read).isEqualTo(snap);
    assertThat(read.withPod(null).snapshot()).isEqualTo(snap.snapshot());
  }

  @Test
  void aFullPodRoundTrips() throws IOException {
    DumpInfo info =
        sample()
            .withPod(
                new DumpInfo.PodInfo(
                    "shop",
                    "web-7d9f",
                    "uid-9",
                    "app",
                    "registry/app:1",
                    "sha256:" + "e".repeat(64),
                    4,
                    "node-1",
                    java.util.Map.of("app.kubernetes.io/name", "web", "quote", "a\"b"),
                    java.util.Map.of("coroner.dev/capture", "true")));
    String json = info.toJson();
    assertThat(DumpInfoJson.parse(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(info);
    JsonNode pod = new ObjectMapper().readTree(json).get("pod");
    assertThat(pod.get("image_digest").asText()).startsWith("sha256:eee");
    assertThat(pod.get("restart_count").asInt()).isEqualTo(4);
    assertThat(pod.get("labels").get("quote").asText()).isEqualTo("a\"b");
  }

  @Test
  void aDumpWithoutTheNewPodFieldsStillReads() throws IOException {
    String old =
        sample().toJson().replaceAll(",\\s*\"image_digest\"[\\s\\S]*?\"annotations\": \\{\\}", "");
    assertThat(old).doesNotContain("image_digest").contains("\"image\": \"example:1\"");
    DumpInfo read = DumpInfoJson.parse(old.getBytes(StandardCharsets.UTF_8));
    assertThat(read.pod().labels()).isEmpty();
    assertThat(read.pod().restartCount()).isNull();
    assertThat(read).isEqualTo(sample());
  }

  @Test
  void jsonHasTheDocumentedFieldNames() throws IOException {
    JsonNode json = new ObjectMapper().readTree(sample().toJson());
    assertThat(json.get("schema_version").asInt()).isEqualTo(1);
    assertThat(json.get("time").asText()).isEqualTo("2021-10-16T21:18:18Z");
    assertThat(json.get("node_hostname").asText()).isEqualTo("worker-1");
    assertThat(json.at("/process/signal_name").asText()).isEqualTo("SIGTRAP");
    assertThat(json.at("/process/host_pid").asLong()).isEqualTo(4242);
    assertThat(json.at("/process/container_id").asText()).hasSize(64);
    assertThat(json.at("/process/cmdline/3").asText()).isEqualTo("quote\" back\\ \u0001");
    assertThat(json.at("/core/sha256").asText()).hasSize(64);
    assertThat(json.at("/pod/namespace").asText()).isEqualTo("default");
    assertThat(json.at("/core/compression").asText()).isEqualTo("zstd");
    assertThat(json.at("/integrity/complete").asBoolean()).isTrue();
    assertThat(json.at("/integrity/reason").isNull()).isTrue();
    assertThat(json.at("/composer/version").asText()).isEqualTo("0.1.0");
  }

  @Test
  void truncatedDumpSaysWhy() throws IOException {
    DumpInfo t =
        with(sample(), sample().pod(), DumpInfo.Integrity.truncated(IntegrityCause.TIMEOUT, null));
    JsonNode json = new ObjectMapper().readTree(t.toJson());
    assertThat(json.at("/integrity/complete").asBoolean()).isFalse();
    assertThat(json.at("/integrity/truncated").asBoolean()).isTrue();
    assertThat(json.at("/integrity/reason").asText()).isEqualTo("timeout");
  }

  @Test
  void hostProcessesHaveNoPod() throws IOException {
    DumpInfo host = with(sample(), null, sample().integrity());
    assertThat(new ObjectMapper().readTree(host.toJson()).get("pod").isNull()).isTrue();
    assertThat(DumpInfoJson.parse(host.toJson().getBytes(StandardCharsets.UTF_8))).isEqualTo(host);
  }

  @Test
  void newerSchemaIsRefusedWithAnUpgradeHint() {
    String json = sample().toJson().replace("\"schema_version\": 1", "\"schema_version\": 99");
    assertThatThrownBy(() -> DumpInfoJson.parse(json.getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("schema_version 99")
        .hasMessageContaining("upgrade coroner");
  }

  @Test
  void unknownFieldsFromLaterVersionsAreIgnored() throws IOException {
    String json =
        sample()
            .toJson()
            .replace("{\n  \"schema_version\"", "{\n  \"later\": 1,\n  \"schema_version\"");
    assertThat(DumpInfoJson.parse(json.getBytes(StandardCharsets.UTF_8)).uuid())
        .isEqualTo(sample().uuid());
  }
}
