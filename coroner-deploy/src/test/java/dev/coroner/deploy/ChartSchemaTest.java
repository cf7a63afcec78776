package dev.coroner.deploy;

import static dev.coroner.deploy.HelmChart.STORE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad values fail at install time, and the message names the value and what is wrong. */
class ChartSchemaTest {

  private static String errorWith(String... keysAndValues) {
    Map<String, String> set = new LinkedHashMap<>();
    set.put("store.url", STORE);
    for (int i = 0; i < keysAndValues.length; i += 2) {
      set.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return HelmChart.renderError(set);
  }

  @Test
  void aMissingStoreSaysWhatToSet() {
    assertThat(HelmChart.renderError(Map.of()))
        .contains("store.url is required")
        .contains("--set store.url=s3://");
  }

  @Test
  void theStoreMustBeAnS3Url() {
    assertThat(errorWith("store.url", "http://x"))
        .contains("values don't meet the specifications of the schema")
        .contains("at '/store/url': 'http://x' does not match pattern");
    assertThat(errorWith("store.url", "s3://")).contains("at '/store/url'");
  }

  @Test
  void anUnknownKeyIsRefused() {
    assertThat(errorWith("bogus", "1")).contains("additional properties 'bogus' not allowed");
    assertThat(errorWith("store.bukcet", "x"))
        .contains("at '/store': additional properties 'bukcet' not allowed");
  }

  @Test
  void credentialsCannotBeGivenAsValues() {
    assertThat(errorWith("credentials.accessKeyId", "AKIAIOSFODNN7EXAMPLE"))
        .contains("at '/credentials': additional properties 'accessKeyId' not allowed");
    assertThat(errorWith("credentials.secretKey", "wJalrXUtnFEMI"))
        .contains("additional properties 'secretKey' not allowed");
    assertThat(
            errorWith(
                "agent.extraEnv[0].name", "AWS_SECRET_ACCESS_KEY",
                "agent.extraEnv[0].value", "wJalrXUtnFEMI"))
        .contains("at '/agent/extraEnv/0'");
    // From a Secret through extraEnv is fine.
    Manifests fromSecret =
        HelmChart.render(
            Map.of(
                "store.url", STORE,
                "agent.extraEnv[0].name", "AWS_SESSION_TOKEN",
                "agent.extraEnv[0].valueFrom.secretKeyRef.name", "s3-keys",
                "agent.extraEnv[0].valueFrom.secretKeyRef.key", "token",
                "agent.extraEnv[1].name", "HTTPS_PROXY",
                "agent.extraEnv[1].value", "http://proxy:3128"));
    assertThat(fromSecret.env().get("AWS_SESSION_TOKEN").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("s3-keys");
    assertThat(fromSecret.env("HTTPS_PROXY")).isEqualTo("http://proxy:3128");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          store.sse                   | des            | at '/store/sse': value must be one of 'none', 'aes256', 'kms'
          store.key                   | dumps/all.zip  | at '/store/key': 'dumps/all.zip' does not match pattern
          store.parallelism           | 100            | at '/store/parallelism': maximum: got 100, want 64
          store.partSize              | big            | at '/store/partSize'
          capture.keepFree            | ten gigabytes  | at '/capture/keepFree'
          capture.maxCoreSize         | 16X            | at '/capture/maxCoreSize'
          capture.mode                | sometimes      | at '/capture/mode': value must be one of 'opt-out', 'opt-in'
          capture.flood.window        | hourly         | at '/capture/flood/window'
          capture.namespaces.exclude[0] | Kube_System  | at '/capture/namespaces/exclude/0'
          agent.sweepInterval         | soon           | at '/agent/sweepInterval': 'soon' does not match pattern
          agent.restoreOnStop         | maybe          | at '/agent/restoreOnStop': got string, want boolean
          node.prefix                 | opt/coroner    | at '/node/prefix': 'opt/coroner' does not match pattern
          metrics.port                | 70000          | at '/metrics/port': maximum: got 70,000, want 65,535
          credentials.irsa.roleArn    | my-role        | at '/credentials/irsa/roleArn'
          image.pullPolicy            | Sometimes      | at '/image/pullPolicy'
          snapshotTriggers.triggers[0] | disk          | at '/snapshotTriggers/triggers/0': value must be one of 'liveness', 'memory', 'cpu'
          snapshotTriggers.memory.percent | 150        | at '/snapshotTriggers/memory/percent': maximum: got 150, want 100
          snapshotTriggers.liveness.failures | 0       | at '/snapshotTriggers/liveness/failures': minimum: got 0, want 1
          snapshotTriggers.cpu.duration | a minute     | at '/snapshotTriggers/cpu/duration'
          snapshotTriggers.enabled    | sometimes      | at '/snapshotTriggers/enabled': got string, want boolean
          snapshots.maxInFlight       | 0              | at '/snapshots/maxInFlight': minimum: got 0, want 1
          snapshots.enabled           | maybe          | at '/snapshots/enabled': got string, want boolean
          """)
  void aBadValueIsNamed(String key, String value, String message) {
    assertThat(errorWith(key, value)).contains(message);
  }

  @Test
  void theRuntimeSocketMustBeInTheMountedDirectory() {
    assertThat(errorWith("node.runtime.socket", "/var/run/crio/crio.sock"))
        .contains(
            "node.runtime.socket (/var/run/crio/crio.sock) must be inside node.runtime.socketDir"
                + " (/run/containerd)");
  }

  @Test
  void aSurgeWouldLetTheOldPodUndoTheNewOne() {
    assertThat(
            errorWith(
                "updateStrategy.rollingUpdate.maxSurge", "1",
                "updateStrategy.rollingUpdate.maxUnavailable", "0"))
        .contains("maxSurge must be 0 with agent.restoreOnStop");
    Manifests surging =
        HelmChart.render(
            Map.of(
                "store.url", STORE,
                "agent.restoreOnStop", "false",
                "updateStrategy.rollingUpdate.maxSurge", "1",
                "updateStrategy.rollingUpdate.maxUnavailable", "0"));
    assertThat(
            surging
                .daemonSet()
                .getSpec()
                .getUpdateStrategy()
                .getRollingUpdate()
                .getMaxSurge()
                .getIntVal())
        .isEqualTo(1);
  }

  @Test
  void aServiceMonitorNeedsTheService() {
    assertThat(
            errorWith("metrics.serviceMonitor.enabled", "true", "metrics.service.enabled", "false"))
        .contains("metrics.serviceMonitor.enabled needs metrics.service.enabled");
  }

  @Test
  void triggersForEveryPodNeedTheTriggersOn() {
    assertThat(errorWith("snapshotTriggers.triggers[0]", "memory"))
        .contains("snapshotTriggers.triggers needs snapshotTriggers.enabled: true");
  }

  @Test
  void anExistingServiceAccountMustBeNamed() {
    assertThat(errorWith("serviceAccount.create", "false"))
        .contains("serviceAccount.name is required when serviceAccount.create is false");
  }
}
