package dev.coroner.deploy;

import static dev.coroner.deploy.HelmChart.STORE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.agent.config.AgentConfig;
import dev.coroner.agent.config.AgentVariable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's environment: every variable it reads, set from values, with the right text. */
class ChartEnvTest {
  private static final Manifests DEFAULTS = HelmChart.render(Map.of("store.url", STORE));

  /** Variables of issue 5 (CRI, events, capture policy) that AgentConfig does not read yet. */
  private static final Set<String> UPCOMING =
      Set.of(
          "CORONER_CRI_SOCKET",
          "CORONER_NODE_NAME",
          "CORONER_CAPTURE_MODE",
          "CORONER_NAMESPACES_INCLUDE",
          "CORONER_NAMESPACES_EXCLUDE",
          "CORONER_FLOOD_MAX_CORES",
          "CORONER_FLOOD_WINDOW",
          "CORONER_LOG_TAIL_LINES",
          "CORONER_EVENTS");

  /** Public keys only, as age-keygen prints them. */
  static final String AGE_A = "age1mwjm7j9rqch8usrzchs7gpwlynu3pasf34csjaup2pkxk0qcgprqwdqsje";

  static final String AGE_B = "age1atuyeqrwv6phu09xl8q8ahxfz6wgysutc3nn9e0pv9jd554kedmqd7ndqf";

  @Test
  void encryptionNamespacesWithoutRecipientsAreNone(@TempDir Path dir) throws IOException {
    Path values = dir.resolve("enc.yaml");
    Files.writeString(
        values,
        "encryption:\n  recipients: ["
            + AGE_A
            + "]\n  namespaces:\n    sandbox: []\n"
            + "    payments: ["
            + AGE_A
            + ", "
            + AGE_B
            + "]\n");
    Manifests m = HelmChart.render(Map.of("store.url", STORE), List.of(values));
    assertThat(m.env("CORONER_ENCRYPT_RECIPIENTS")).isEqualTo(AGE_A);
    assertThat(m.env("CORONER_ENCRYPT_NAMESPACES"))
        .isEqualTo("payments=" + AGE_A + "+" + AGE_B + ",sandbox=none");
  }

  @Test
  void environmentHasEveryDefault() {
    assertThat(DEFAULTS.env())
        .containsOnlyKeys(
            "CORONER_STORE",
            "CORONER_S3_KEY",
            "CORONER_S3_SSE",
            "CORONER_S3_PART_SIZE",
            "CORONER_S3_PARALLELISM",
            "CORONER_INSTALL",
            "CORONER_PREFIX",
            "CORONER_DUMP_DIR",
            "CORONER_PROC_SYS",
            "CORONER_CRI_SOCKET",
            "CORONER_RESTORE_ON_STOP",
            "CORONER_CORE_HANDLER",
            "CORONER_READ_AHEAD_MIB",
            "CORONER_SWEEP_INTERVAL",
            "CORONER_RETRY_BASE",
            "CORONER_RETRY_MAX",
            "CORONER_METRICS_PORT",
            "CORONER_KEEP_FREE",
            "CORONER_MAX_USE",
            "CORONER_MAX_CORE_SIZE",
            "CORONER_CAPTURE_MODE",
            "CORONER_FLOOD_MAX_CORES",
            "CORONER_FLOOD_WINDOW",
            "CORONER_ANALYSIS",
            "CORONER_ANALYSIS_TIMEOUT",
            "CORONER_BINARIES",
            "CORONER_BINARIES_MAX_SIZE",
            "CORONER_BINARIES_SKIP_RUNTIMES",
            "CORONER_LOG_TAIL_LINES",
            "CORONER_IDENTITY_TIMEOUT",
            "CORONER_EVENTS",
            "CORONER_SCRUB",
            "CORONER_SCRUB_POD_OVERRIDE",
            "CORONER_NODE_NAME",
            "CORONER_POD_NAMESPACE",
            "CORONER_COREDUMPS",
            "CORONER_HOST_NAMESPACE",
            "CORONER_SNAPSHOT_TRIGGERS_ENABLED",
            "CORONER_SNAPSHOT_TRIGGERS",
            "CORONER_SNAPSHOT_TRIGGERS_LIVENESS_FAILURES",
            "CORONER_SNAPSHOT_TRIGGERS_MEMORY_PERCENT",
            "CORONER_SNAPSHOT_TRIGGERS_CPU_PERCENT",
            "CORONER_SNAPSHOT_TRIGGERS_CPU_DURATION",
            "CORONER_SNAPSHOT_TRIGGERS_INTERVAL",
            "CORONER_SNAPSHOT_TRIGGERS_WORKLOAD_WINDOW",
            "CORONER_SERVICE_ACCOUNT",
            "CORONER_SNAPSHOTS",
            "CORONER_SNAPSHOT_MAX_IN_FLIGHT");
    // The chart's defaults are the agent's own: read from its table, not written here again.
    assertThat(DEFAULTS.env("CORONER_STORE")).isEqualTo(STORE);
    for (String name :
        List.of(
            "CORONER_S3_KEY",
            "CORONER_S3_SSE",
            "CORONER_S3_PART_SIZE",
            "CORONER_S3_PARALLELISM",
            "CORONER_INSTALL",
            "CORONER_RESTORE_ON_STOP",
            "CORONER_CORE_HANDLER",
            "CORONER_READ_AHEAD_MIB",
            "CORONER_SWEEP_INTERVAL",
            "CORONER_RETRY_BASE",
            "CORONER_RETRY_MAX",
            "CORONER_METRICS_PORT",
            "CORONER_KEEP_FREE",
            "CORONER_MAX_USE",
            "CORONER_MAX_CORE_SIZE",
            "CORONER_CAPTURE_MODE",
            "CORONER_FLOOD_MAX_CORES",
            "CORONER_FLOOD_WINDOW",
            "CORONER_LOG_TAIL_LINES",
            "CORONER_IDENTITY_TIMEOUT",
            "CORONER_EVENTS",
            "CORONER_COREDUMPS",
            "CORONER_ANALYSIS",
            "CORONER_ANALYSIS_TIMEOUT",
            "CORONER_BINARIES",
            "CORONER_BINARIES_MAX_SIZE",
            "CORONER_BINARIES_SKIP_RUNTIMES",
            "CORONER_SCRUB",
            "CORONER_SCRUB_POD_OVERRIDE",
            "CORONER_SNAPSHOT_TRIGGERS_ENABLED",
            "CORONER_SNAPSHOT_TRIGGERS",
            "CORONER_SNAPSHOT_TRIGGERS_LIVENESS_FAILURES",
            "CORONER_SNAPSHOT_TRIGGERS_MEMORY_PERCENT",
            "CORONER_SNAPSHOT_TRIGGERS_CPU_PERCENT",
            "CORONER_SNAPSHOT_TRIGGERS_CPU_DURATION",
            "CORONER_SNAPSHOT_TRIGGERS_INTERVAL",
            "CORONER_SNAPSHOT_TRIGGERS_WORKLOAD_WINDOW",
            "CORONER_SNAPSHOTS",
            "CORONER_SNAPSHOT_MAX_IN_FLIGHT")) {
      String agentDefault = AgentVariable.valueOf(name).defaultValue();
      assertThat(agentDefault).as(name + " has a default in AgentVariable").isNotNull();
      assertThat(DEFAULTS.env(name)).as(name).isEqualTo(agentDefault);
    }
    assertThat(DEFAULTS.env().get("CORONER_NODE_NAME").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("spec.nodeName");
    assertThat(
            DEFAULTS.env().get("CORONER_POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(
            DEFAULTS
                .env()
                .get("CORONER_SERVICE_ACCOUNT")
                .getValueFrom()
                .getFieldRef()
                .getFieldPath())
        .isEqualTo("spec.serviceAccountName");
  }

  @Test
  void everyValueReachesItsVariable() {
    Manifests all =
        HelmChart.render(
            Map.ofEntries(
                Map.entry("store.url", "s3://other-bucket/a/b"),
                Map.entry("store.region", "eu-west-1"),
                Map.entry("store.endpoint", "http://minio.storage:9000"),
                Map.entry("store.pathStyle", "false"),
                Map.entry("store.key", "{uuid}.zip"),
                Map.entry("store.sse", "kms"),
                Map.entry("store.kmsKeyId", "alias/coroner"),
                Map.entry("store.partSize", "64M"),
                Map.entry("store.parallelism", "8"),
                Map.entry("capture.mode", "opt-in"),
                Map.entry("capture.namespaces.include[0]", "shop"),
                Map.entry("capture.namespaces.include[1]", "payments"),
                Map.entry("capture.namespaces.exclude[0]", "kube-system"),
                Map.entry("capture.maxCoreSize", "16G"),
                Map.entry("capture.keepFree", "10G"),
                Map.entry("capture.maxUse", "50G"),
                Map.entry("capture.flood.maxCores", "5"),
                Map.entry("capture.flood.window", "30m"),
                Map.entry("capture.logTailLines", "100"),
                Map.entry("events.enabled", "false"),
                Map.entry("analysis.enabled", "false"),
                Map.entry("analysis.timeout", "5m"),
                Map.entry("analysis.binaries.enabled", "false"),
                Map.entry("analysis.binaries.maxSize", "1G"),
                Map.entry("analysis.binaries.skipRuntimes[0]", "java"),
                Map.entry("analysis.binaries.skipRuntimes[1]", "node"),
                Map.entry("agent.install", "false"),
                Map.entry("agent.sweepInterval", "10s"),
                Map.entry("agent.retryBase", "2s"),
                Map.entry("agent.retryMax", "1h"),
                Map.entry("metrics.port", "9500"),
                Map.entry("scrub.mode", "drop-heap"),
                Map.entry("scrub.namespaces.shop", "off"),
                Map.entry("scrub.namespaces.payments", "default"),
                Map.entry("scrub.podOverride", "false"),
                Map.entry("encryption.recipients[0]", AGE_A),
                Map.entry("encryption.recipients[1]", AGE_B),
                Map.entry("encryption.namespaces.payments[0]", AGE_B),
                Map.entry("snapshotTriggers.enabled", "true"),
                Map.entry("snapshotTriggers.triggers[0]", "liveness"),
                Map.entry("snapshotTriggers.triggers[1]", "memory"),
                Map.entry("snapshotTriggers.liveness.failures", "1"),
                Map.entry("snapshotTriggers.memory.percent", "80"),
                Map.entry("snapshotTriggers.cpu.percent", "95"),
                Map.entry("snapshotTriggers.cpu.duration", "2m"),
                Map.entry("snapshotTriggers.interval", "10s"),
                Map.entry("snapshotTriggers.workloadWindow", "1h")));
    Map<String, String> expected =
        Map.ofEntries(
            Map.entry("CORONER_STORE", "s3://other-bucket/a/b"),
            Map.entry("CORONER_S3_REGION", "eu-west-1"),
            Map.entry("AWS_ENDPOINT_URL_S3", "http://minio.storage:9000"),
            Map.entry("CORONER_S3_PATH_STYLE", "false"),
            Map.entry("CORONER_S3_KEY", "{uuid}.zip"),
            Map.entry("CORONER_S3_SSE", "kms"),
            Map.entry("CORONER_S3_KMS_KEY_ID", "alias/coroner"),
            Map.entry("CORONER_S3_PART_SIZE", "64M"),
            Map.entry("CORONER_S3_PARALLELISM", "8"),
            Map.entry("CORONER_CAPTURE_MODE", "opt-in"),
            Map.entry("CORONER_NAMESPACES_INCLUDE", "shop,payments"),
            Map.entry("CORONER_NAMESPACES_EXCLUDE", "kube-system"),
            Map.entry("CORONER_MAX_CORE_SIZE", "16G"),
            Map.entry("CORONER_KEEP_FREE", "10G"),
            Map.entry("CORONER_MAX_USE", "50G"),
            Map.entry("CORONER_FLOOD_MAX_CORES", "5"),
            Map.entry("CORONER_FLOOD_WINDOW", "30m"),
            Map.entry("CORONER_LOG_TAIL_LINES", "100"),
            Map.entry("CORONER_EVENTS", "false"),
            Map.entry("CORONER_ANALYSIS", "false"),
            Map.entry("CORONER_ANALYSIS_TIMEOUT", "5m"),
            Map.entry("CORONER_BINARIES", "false"),
            Map.entry("CORONER_BINARIES_MAX_SIZE", "1G"),
            Map.entry("CORONER_BINARIES_SKIP_RUNTIMES", "java,node"),
            Map.entry("CORONER_INSTALL", "false"),
            Map.entry("CORONER_SWEEP_INTERVAL", "10s"),
            Map.entry("CORONER_RETRY_BASE", "2s"),
            Map.entry("CORONER_RETRY_MAX", "1h"),
            Map.entry("CORONER_METRICS_PORT", "9500"),
            Map.entry("CORONER_SCRUB", "drop-heap"),
            Map.entry("CORONER_SCRUB_NAMESPACES", "payments=default,shop=off"),
            Map.entry("CORONER_SCRUB_POD_OVERRIDE", "false"),
            Map.entry("CORONER_ENCRYPT_RECIPIENTS", AGE_A + "+" + AGE_B),
            Map.entry("CORONER_ENCRYPT_NAMESPACES", "payments=" + AGE_B),
            Map.entry("CORONER_SNAPSHOT_TRIGGERS_ENABLED", "true"),
            Map.entry("CORONER_SNAPSHOT_TRIGGERS", "liveness,memory"),
            Map.entry("CORONER_SNAPSHOT_TRIGGERS_LIVENESS_FAILURES", "1"),
            Map.entry("CORONER_SNAPSHOT_TRIGGERS_MEMORY_PERCENT", "80"),
            Map.entry("CORONER_SNAPSHOT_TRIGGERS_CPU_PERCENT", "95"),
            Map.entry("CORONER_SNAPSHOT_TRIGGERS_CPU_DURATION", "2m"),
            Map.entry("CORONER_SNAPSHOT_TRIGGERS_INTERVAL", "10s"),
            Map.entry("CORONER_SNAPSHOT_TRIGGERS_WORKLOAD_WINDOW", "1h"));
    expected.forEach((name, value) -> assertThat(all.env(name)).as(name).isEqualTo(value));

    // Whatever AgentConfig reads, the chart sets; whatever the chart sets, the agent reads.
    Set<String> agentReads = agentConfigVariables();
    assertThat(agentReads).contains("CORONER_STORE", "CORONER_S3_PARALLELISM");
    assertThat(all.env().keySet()).containsAll(agentReads);
    Set<String> extra = new TreeSet<>(all.env().keySet());
    extra.removeAll(agentReads);
    assertThat(extra).isSubsetOf(UPCOMING);
  }

  /** The variables the agent reads: its one table of them. */
  private static Set<String> agentConfigVariables() {
    Set<String> names = new TreeSet<>();
    AgentConfig.VARIABLES.forEach(v -> names.add(v.name()));
    return names;
  }

  @Test
  void numbersFromValuesFilesArePrintedInFull(@TempDir Path dir) throws IOException {
    // Helm reads numbers in values files as float64, which print as 1.073741824e+10.
    Path values = dir.resolve("sizes.yaml");
    Files.writeString(
        values,
        "capture:\n  maxUse: 10737418240\n  keepFree: 0\n  flood:\n    maxCores: 12\n"
            + "store:\n  partSize: 33554432\n"
            + "snapshotTriggers:\n  memory:\n    percent: 85\n");
    Manifests m = HelmChart.render(Map.of("store.url", STORE), List.of(values));
    assertThat(m.env("CORONER_MAX_USE")).isEqualTo("10737418240");
    assertThat(m.env("CORONER_KEEP_FREE")).isEqualTo("0");
    assertThat(m.env("CORONER_FLOOD_MAX_CORES")).isEqualTo("12");
    assertThat(m.env("CORONER_S3_PART_SIZE")).isEqualTo("33554432");
    assertThat(m.env("CORONER_SNAPSHOT_TRIGGERS_MEMORY_PERCENT")).isEqualTo("85");
  }
}
