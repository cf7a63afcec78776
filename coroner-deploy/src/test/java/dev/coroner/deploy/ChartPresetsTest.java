package dev.coroner.deploy;

import static dev.coroner.deploy.HelmChart.NAMESPACE;
import static dev.coroner.deploy.HelmChart.STORE;
import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The platform presets in charts/coroner/presets: each lints, renders and changes its part. */
class ChartPresetsTest {
  private static final String ROLE = "arn:aws:iam::111122223333:role/coroner-agent";

  /** What any preset needs besides itself: the store, and for IRSA the role and the region. */
  private static Map<String, String> required(String preset) {
    Map<String, String> set = new HashMap<>(Map.of("store.url", STORE));
    if (preset.equals("eks-irsa")) {
      set.putAll(Map.of("store.region", "eu-west-1", "credentials.irsa.roleArn", ROLE));
    }
    return set;
  }

  static List<String> presets() {
    return HelmChart.PRESETS;
  }

  @Test
  void everyPresetFileIsTested() throws Exception {
    try (var files = Files.list(HelmChart.DIR.resolve("presets"))) {
      assertThat(files.map(f -> f.getFileName().toString().replace(".yaml", "")))
          .containsExactlyInAnyOrderElementsOf(HelmChart.PRESETS);
    }
  }

  @ParameterizedTest
  @MethodSource("presets")
  void lintStrictPasses(String preset, @TempDir Path dir) {
    Map<String, Object> values = new HashMap<>(Map.of("store", Map.of("url", STORE)));
    if (preset.equals("eks-irsa")) {
      values.put("store", Map.of("url", STORE, "region", "eu-west-1"));
      values.put("credentials", Map.of("irsa", Map.of("roleArn", ROLE)));
    }
    LintResult lint = HelmChart.lint(dir, values, preset);
    assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
  }

  @ParameterizedTest
  @MethodSource("presets")
  void keepsTheInvariants(String preset) {
    Manifests m = HelmChart.render(required(preset), preset);
    assertThat(m.agent().getSecurityContext().getPrivileged()).isTrue();
    for (String volume : List.of("prefix", "dumps", "runtime")) {
      assertThat(m.mount(volume).getMountPath())
          .as("%s mounted at its host path", volume)
          .isEqualTo(m.volume(volume).getHostPath().getPath());
    }
    assertThat(m.env("CORONER_PREFIX")).isEqualTo(m.volume("prefix").getHostPath().getPath());
    assertThat(m.env("CORONER_DUMP_DIR")).isEqualTo(m.volume("dumps").getHostPath().getPath());
    assertThat(m.env("CORONER_CRI_SOCKET"))
        .startsWith(m.volume("runtime").getHostPath().getPath() + "/");
    assertThat(m.kinds()).doesNotContain("Secret");
    assertThat(m.pod().getTolerations()).extracting(t -> t.getOperator()).containsExactly("Exists");
  }

  @Test
  void gkeCosInstallsWhereCosAllowsExecution() {
    Manifests m = HelmChart.render(required("gke-cos"), "gke-cos");
    assertThat(m.env("CORONER_PREFIX")).isEqualTo("/home/kubernetes/bin/coroner");
    assertThat(m.volume("prefix").getHostPath().getPath())
        .isEqualTo("/home/kubernetes/bin/coroner");
    assertThat(m.env("CORONER_DUMP_DIR")).isEqualTo("/var/lib/coroner/dumps");
    assertThat(m.env("CORONER_CRI_SOCKET")).isEqualTo("/run/containerd/containerd.sock");
    assertThat(m.ofKind("SecurityContextConstraints")).isEmpty();
  }

  @Test
  void bottlerocketInstallsOnItsWritableVolume() {
    Manifests m = HelmChart.render(required("bottlerocket"), "bottlerocket");
    assertThat(m.env("CORONER_PREFIX")).isEqualTo("/var/mnt/coroner");
    assertThat(m.volume("prefix").getHostPath().getPath()).isEqualTo("/var/mnt/coroner");
    assertThat(m.volume("runtime").getHostPath().getPath()).isEqualTo("/run/containerd");
    assertThat(m.env("CORONER_CRI_SOCKET")).isEqualTo("/run/containerd/containerd.sock");
  }

  @Test
  void openshiftUsesCriOAndGrantsItsOwnScc() {
    Manifests m = HelmChart.render(required("openshift"), "openshift");
    assertThat(m.volume("runtime").getHostPath().getPath()).isEqualTo("/run/crio");
    assertThat(m.mount("runtime").getMountPath()).isEqualTo("/run/crio");
    assertThat(m.env("CORONER_CRI_SOCKET")).isEqualTo("/run/crio/crio.sock");
    assertThat(m.env("CORONER_PREFIX")).isEqualTo("/var/mnt/coroner");

    GenericKubernetesResource scc = m.ofKind("SecurityContextConstraints").get(0);
    assertThat(scc.getApiVersion()).isEqualTo("security.openshift.io/v1");
    assertThat(scc.getMetadata().getAnnotations()).doesNotContainKey("helm.sh/hook");
    assertThat(scc.<Boolean>get("allowPrivilegedContainer")).isTrue();
    assertThat(scc.<Boolean>get("allowHostDirVolumePlugin")).isTrue();
    assertThat(scc.<Boolean>get("allowHostNetwork")).isFalse();
    assertThat(scc.<Boolean>get("allowHostPID")).as("snapshots, on by default").isTrue();
    assertThat(scc.<List<String>>get("volumes")).contains("hostPath", "emptyDir", "projected");
    assertThat(scc.<List<String>>get("users"))
        .containsExactly(
            "system:serviceaccount:" + NAMESPACE + ":" + m.pod().getServiceAccountName());
  }

  @Test
  void eksIrsaBindsTheRoleAndNeedsItsValues() {
    Manifests m = HelmChart.render(required("eks-irsa"), "eks-irsa");
    assertThat(m.named(ServiceAccount.class, HelmChart.RELEASE).getMetadata().getAnnotations())
        .containsEntry("eks.amazonaws.com/role-arn", ROLE);
    assertThat(m.env("CORONER_S3_REGION")).isEqualTo("eu-west-1");
    assertThat(m.env()).doesNotContainKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
    assertThat(m.env("CORONER_PREFIX")).isEqualTo("/opt/coroner");

    assertThat(
            HelmChart.renderError(
                Map.of("store.url", STORE, "store.region", "eu-west-1"), "eks-irsa"))
        .contains("credentials.irsa.roleArn is required");
    assertThat(
            HelmChart.renderError(
                Map.of("store.url", STORE, "credentials.irsa.roleArn", ROLE), "eks-irsa"))
        .contains("store.region is required");
    assertThat(
            HelmChart.renderError(
                Map.of(
                    "store.url",
                    STORE,
                    "store.region",
                    "eu-west-1",
                    "credentials.irsa.roleArn",
                    ROLE,
                    "credentials.existingSecret",
                    "s3-keys"),
                "eks-irsa"))
        .contains("either credentials.existingSecret or credentials.irsa");
  }

  @Test
  void bottlerocketOnEksCombinesBothPresets() {
    Manifests m = HelmChart.render(required("eks-irsa"), "bottlerocket", "eks-irsa");
    assertThat(m.env("CORONER_PREFIX")).isEqualTo("/var/mnt/coroner");
    assertThat(m.named(ServiceAccount.class, HelmChart.RELEASE).getMetadata().getAnnotations())
        .containsEntry("eks.amazonaws.com/role-arn", ROLE);
  }
}
