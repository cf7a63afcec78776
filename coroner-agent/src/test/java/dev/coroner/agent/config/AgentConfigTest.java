package dev.coroner.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.agent.identity.CapturePolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
  @Test
  void defaults() throws Exception {
    AgentConfig c = AgentConfig.from(Map.of("CORONER_STORE", "s3://crashes/prod"));
    assertThat(c.store()).isEqualTo(URI.create("s3://crashes/prod"));
    assertThat(c.dumpDir()).isEqualTo(Path.of("/var/lib/coroner/dumps"));
    assertThat(c.capture().dumpDir()).isEqualTo(c.dumpDir());
    assertThat(c.install()).isTrue();
    assertThat(c.restoreOnStop()).isTrue();
    assertThat(c.sweepInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.s3().pathStyle()).isFalse();
    assertThat(c.s3().keyTemplate()).isEqualTo("{namespace}/{name}.zip");
    assertThat(c.s3().partSize()).isEqualTo(16 << 20);
    assertThat(c.capture().agentSocket()).isEqualTo(Path.of("/opt/coroner/run/agent.sock"));
    assertThat(c.identity().criSocket()).as("detected").isNull();
    assertThat(c.identity().logTailLines()).isEqualTo(500);
    assertThat(c.identity().policy()).isEqualTo(CapturePolicy.all());
    assertThat(c.identity().floodMaxCores()).isEqualTo(3);
    assertThat(c.identity().floodWindow()).isEqualTo(Duration.ofHours(1));
    assertThat(c.identity().events()).isTrue();
    assertThat(c.retryBase()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.retryMax()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.metricsPort()).isEqualTo(9464);
    assertThat(c.prefix()).isEqualTo(Path.of("/opt/coroner"));
    assertThat(c.procSys()).isEqualTo(Path.of("/proc/sys"));
    assertThat(c.capture().keepFree()).isEqualTo(1L << 30);
    assertThat(c.capture().maxUse()).isZero();
    assertThat(c.capture().maxCoreSize()).isZero();
    assertThat(c.capture().agentTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.s3().encryption()).isEqualTo("none");
    assertThat(c.s3().parallelism()).isEqualTo(4);
  }

  @Test
  void theTableIsWhatIsRead() throws Exception {
    // Each default in the table parses: a typo there would fail every agent at start.
    assertThat(AgentConfig.from(Map.of())).isNotNull();
    assertThat(AgentConfig.VARIABLES).extracting(AgentVariable::name).doesNotHaveDuplicates();
    assertThat(AgentVariable.CORONER_KEEP_FREE.usage())
        .startsWith("the composer keeps only metadata")
        .endsWith("(default: 1G)");
    assertThat(AgentVariable.CORONER_STORE.usage()).doesNotContain("default:");
    // A variable set to its table default reads the same as one left unset.
    Map<String, String> explicit = new java.util.HashMap<>();
    for (AgentVariable v : AgentConfig.VARIABLES) {
      if (v.defaultValue() != null) {
        explicit.put(v.name(), v.defaultValue());
      }
    }
    assertThat(AgentConfig.from(explicit))
        .usingRecursiveComparison()
        .isEqualTo(AgentConfig.from(Map.of()));
  }

  @Test
  void identitySettings() throws Exception {
    AgentConfig c =
        AgentConfig.from(
            Map.of(
                "CORONER_STORE", "s3://b",
                "CORONER_PREFIX", "/home/kubernetes/bin/coroner",
                "CORONER_CRI_SOCKET", "/run/crio/crio.sock",
                "CORONER_NODE_NAME", " node-7 ",
                "CORONER_CAPTURE_MODE", "opt-in",
                "CORONER_NAMESPACES_INCLUDE", "shop, payments",
                "CORONER_NAMESPACES_EXCLUDE", "kube-system",
                "CORONER_FLOOD_MAX_CORES", "0",
                "CORONER_FLOOD_WINDOW", "10m",
                "CORONER_IDENTITY_TIMEOUT", "300ms"));
    assertThat(c.capture().agentTimeout()).isEqualTo(Duration.ofMillis(300));
    assertThat(c.capture().agentSocket())
        .isEqualTo(Path.of("/home/kubernetes/bin/coroner/run/agent.sock"));
    assertThat(c.identity().criSocket()).isEqualTo(Path.of("/run/crio/crio.sock"));
    assertThat(c.identity().nodeName()).isEqualTo("node-7");
    assertThat(c.identity().policy())
        .isEqualTo(new CapturePolicy(true, Set.of("shop", "payments"), Set.of("kube-system")));
    assertThat(c.identity().floodMaxCores()).isZero();
    assertThat(c.identity().floodWindow()).isEqualTo(Duration.ofMinutes(10));
  }

  static final String AGE_A = "age1mwjm7j9rqch8usrzchs7gpwlynu3pasf34csjaup2pkxk0qcgprqwdqsje";
  static final String AGE_B = "age1atuyeqrwv6phu09xl8q8ahxfz6wgysutc3nn9e0pv9jd554kedmqd7ndqf";

  @Test
  void scrubAndEncryptionSettings() throws Exception {
    AgentConfig d = AgentConfig.from(Map.of("CORONER_STORE", "s3://b"));
    assertThat(d.scrub().defaultMode()).isEqualTo(dev.coroner.dump.ScrubMode.DEFAULT);
    assertThat(d.scrub().podOverride()).isTrue();
    assertThat(d.encryption().any()).isFalse();

    AgentConfig c =
        AgentConfig.from(
            Map.of(
                "CORONER_STORE", "s3://b",
                "CORONER_SCRUB", "drop-heap",
                "CORONER_SCRUB_NAMESPACES", "shop=off, host=default",
                "CORONER_SCRUB_POD_OVERRIDE", "false",
                "CORONER_ENCRYPT_RECIPIENTS", AGE_A,
                "CORONER_ENCRYPT_NAMESPACES", "payments=" + AGE_A + "+" + AGE_B + ",sandbox=none"));
    assertThat(c.scrub().defaultMode()).isEqualTo(dev.coroner.dump.ScrubMode.DROP_HEAP);
    assertThat(c.scrub().namespaces())
        .containsEntry("shop", dev.coroner.dump.ScrubMode.OFF)
        .containsEntry("host", dev.coroner.dump.ScrubMode.DEFAULT);
    assertThat(c.scrub().podOverride()).isFalse();
    assertThat(c.encryption().defaults().orElseThrow().keys()).containsExactly(AGE_A);
    assertThat(c.encryption().namespaces().get("payments").orElseThrow().keys())
        .containsExactly(AGE_A, AGE_B);
    assertThat(c.encryption().namespaces().get("sandbox")).isEmpty();

    assertThatThrownBy(
            () ->
                AgentConfig.from(
                    Map.of(
                        "CORONER_SCRUB", "partly",
                        "CORONER_SCRUB_NAMESPACES", "shop",
                        "CORONER_ENCRYPT_RECIPIENTS", "AGE-SECRET-KEY-1X",
                        "CORONER_ENCRYPT_NAMESPACES", "Bad_Ns=" + AGE_A)))
        .hasMessageContaining("CORONER_SCRUB: scrub must be off, default or drop-heap")
        .hasMessageContaining("CORONER_SCRUB_NAMESPACES: 'shop' is not namespace=value")
        .hasMessageContaining("CORONER_ENCRYPT_RECIPIENTS: 'AGE-SECRET-KEY-1X' is not an age")
        .hasMessageContaining("'Bad_Ns' is not a namespace name");
  }

  @Test
  void anEndpointTurnsOnPathStyle() throws Exception {
    AgentConfig c =
        AgentConfig.from(
            Map.of("CORONER_STORE", "s3://b", "AWS_ENDPOINT_URL_S3", "http://minio:9000"));
    assertThat(c.s3().endpoint()).isEqualTo(URI.create("http://minio:9000"));
    assertThat(c.s3().pathStyle()).isTrue();
  }

  @Test
  void everyBadVariableIsNamedWithItsValue() {
    assertThatThrownBy(
            () ->
                AgentConfig.from(
                    Map.ofEntries(
                        Map.entry("CORONER_STORE", "gs://bucket"),
                        Map.entry("CORONER_SWEEP_INTERVAL", "often"),
                        Map.entry("CORONER_INSTALL", "maybe"),
                        Map.entry("CORONER_S3_PART_SIZE", "1M"),
                        Map.entry("CORONER_S3_SSE", "rot13"),
                        Map.entry("CORONER_DUMP_DIR", "relative"),
                        Map.entry("CORONER_S3_KEY", "{namespace}/dump.zip"),
                        Map.entry("CORONER_METRICS_PORT", "99999"),
                        Map.entry("CORONER_CAPTURE_MODE", "sometimes"),
                        Map.entry("CORONER_NAMESPACES_EXCLUDE", "Kube_System"),
                        Map.entry("CORONER_IDENTITY_TIMEOUT", "1m"))))
        .isInstanceOf(AgentConfig.ConfigException.class)
        .hasMessageContaining("CORONER_STORE must be an s3://bucket/prefix URL: 'gs://bucket'")
        .hasMessageContaining("CORONER_SWEEP_INTERVAL")
        .hasMessageContaining("'often'")
        .hasMessageContaining("CORONER_INSTALL: must be true or false (got 'maybe')")
        .hasMessageContaining("CORONER_S3_PART_SIZE: must be 5M to 1G")
        .hasMessageContaining("CORONER_S3_SSE: must be none, aes256 or kms (got 'rot13')")
        .hasMessageContaining("CORONER_DUMP_DIR: must be an absolute path (got 'relative')")
        .hasMessageContaining("CORONER_S3_KEY")
        .hasMessageContaining("CORONER_METRICS_PORT")
        .hasMessageContaining("CORONER_CAPTURE_MODE: must be opt-out or opt-in (got 'sometimes')")
        .hasMessageContaining("'Kube_System' is not a namespace name")
        .hasMessageContaining("CORONER_IDENTITY_TIMEOUT: must be 50ms to 10s");
  }

  @Test
  void theReceiversReadAheadIsOffUnlessAskedFor() throws Exception {
    assertThat(AgentConfig.from(Map.of()).readAheadMib()).isZero();
    assertThat(AgentConfig.from(Map.of("CORONER_READ_AHEAD_MIB", "48")).readAheadMib())
        .isEqualTo(48);
    assertThatThrownBy(() -> AgentConfig.from(Map.of("CORONER_READ_AHEAD_MIB", "2048")))
        .hasMessageContaining("CORONER_READ_AHEAD_MIB: must be a number from 0 to 1024")
        .hasMessageContaining("(got '2048')");
  }

  @Test
  void snapshotSettings() throws Exception {
    AgentConfig defaults = AgentConfig.from(Map.of());
    assertThat(defaults.snapshots()).isEqualTo(new AgentConfig.Snapshots(true, 1));
    assertThat(
            AgentConfig.from(
                    Map.of("CORONER_SNAPSHOTS", "false", "CORONER_SNAPSHOT_MAX_IN_FLIGHT", "4"))
                .snapshots())
        .isEqualTo(new AgentConfig.Snapshots(false, 4));
    assertThatThrownBy(() -> AgentConfig.from(Map.of("CORONER_SNAPSHOT_MAX_IN_FLIGHT", "0")))
        .hasMessageContaining("CORONER_SNAPSHOT_MAX_IN_FLIGHT: must be a number from 1 to 16")
        .hasMessageContaining("(got '0')");
  }

  @Test
  void theStoreIsOptionalForUninstall() throws Exception {
    assertThat(AgentConfig.from(Map.of()).store()).isNull();
  }
}
