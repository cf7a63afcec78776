package dev.coroner.deploy;

import static dev.coroner.deploy.HelmChart.NAMESPACE;
import static dev.coroner.deploy.HelmChart.STORE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the agent may do in the cluster and where its S3 credentials come from. */
class ChartAccessTest {
  private static final Manifests DEFAULTS = HelmChart.render(Map.of("store.url", STORE));

  @Test
  void clusterRoleAllowsReadingPodsCreatingEventsAndCoreDumpsAndAnsweringSnapshotsOnly() {
    ClusterRole role = DEFAULTS.named(ClusterRole.class, HelmChart.RELEASE);
    assertThat(role.getAggregationRule()).isNull();
    assertThat(role.getRules())
        .extracting(r -> r.getApiGroups(), r -> r.getResources(), r -> r.getVerbs())
        .containsExactlyInAnyOrder(
            tuple(List.of(""), List.of("pods"), List.of("get")),
            tuple(List.of(""), List.of("events"), List.of("create")),
            tuple(List.of("coroner.dev"), List.of("coredumps"), List.of("create")),
            // Its node's requests watched, its triggers' created; never deleted.
            tuple(
                List.of("coroner.dev"),
                List.of("coredumpsnapshots"),
                List.of("get", "list", "watch", "create")),
            tuple(
                List.of("coroner.dev"),
                List.of("coredumpsnapshots/status"),
                List.of("get", "update", "patch")));
    assertThat(role.getRules()).allSatisfy(r -> assertThat(r.getResourceNames()).isEmpty());

    ClusterRoleBinding binding = DEFAULTS.named(ClusterRoleBinding.class, HelmChart.RELEASE);
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects())
        .extracting(s -> s.getKind(), s -> s.getName(), s -> s.getNamespace())
        .containsExactly(
            tuple("ServiceAccount", DEFAULTS.pod().getServiceAccountName(), NAMESPACE));
    assertThat(DEFAULTS.named(ServiceAccount.class, HelmChart.RELEASE).getMetadata().getName())
        .isEqualTo(DEFAULTS.pod().getServiceAccountName());

    ClusterRole noEvents =
        HelmChart.render(
                Map.of("store.url", STORE, "events.enabled", "false", "coreDumps.enabled", "false"))
            .named(ClusterRole.class, HelmChart.RELEASE);
    assertThat(noEvents.getRules())
        .extracting(r -> r.getResources(), r -> r.getVerbs())
        .containsExactly(
            tuple(List.of("pods"), List.of("get")),
            tuple(List.of("coredumpsnapshots"), List.of("get", "list", "watch", "create")),
            tuple(List.of("coredumpsnapshots/status"), List.of("get", "update", "patch")));
  }

  @Test
  void snapshotTriggersAddListingAndWatchingPodsAndEventsOnly() {
    assertThat(DEFAULTS.named(ClusterRole.class, HelmChart.RELEASE).getRules())
        .as("triggers are off by default")
        .noneMatch(
            r -> r.getVerbs().contains("list") && !r.getApiGroups().equals(List.of("coroner.dev")));
    ClusterRole triggers =
        HelmChart.render(Map.of("store.url", STORE, "snapshotTriggers.enabled", "true"))
            .named(ClusterRole.class, HelmChart.RELEASE);
    assertThat(triggers.getRules())
        .extracting(r -> r.getApiGroups(), r -> r.getResources(), r -> r.getVerbs())
        .contains(
            tuple(List.of(""), List.of("pods"), List.of("list", "watch")),
            tuple(List.of(""), List.of("events"), List.of("list", "watch")))
        .hasSize(DEFAULTS.named(ClusterRole.class, HelmChart.RELEASE).getRules().size() + 2);
  }

  @Test
  void keysComeOnlyFromTheNamedSecret() {
    Manifests withSecret =
        HelmChart.render(
            Map.of(
                "store.url",
                STORE,
                "credentials.existingSecret",
                "s3-keys",
                "credentials.keys.sessionToken",
                "token"));
    for (String name : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")) {
      EnvVar var = withSecret.env().get(name);
      assertThat(var.getValue()).as(name).isNull();
      assertThat(var.getValueFrom().getSecretKeyRef().getName()).isEqualTo("s3-keys");
    }
    assertThat(
            withSecret.env().get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getKey())
        .isEqualTo("AWS_SECRET_ACCESS_KEY");
    assertThat(withSecret.env().get("AWS_SESSION_TOKEN").getValueFrom().getSecretKeyRef().getKey())
        .isEqualTo("token");

    for (Manifests m : List.of(DEFAULTS, withSecret)) {
      assertThat(m.kinds()).doesNotContain("Secret", "ConfigMap");
      assertThat(m.agent().getEnvFrom()).isEmpty();
      // No literal value for anything that looks like a credential.
      assertThat(m.agent().getEnv())
          .filteredOn(v -> v.getName().matches(".*(KEY_ID|SECRET|TOKEN|PASSWORD).*"))
          .allSatisfy(v -> assertThat(v.getValue()).as(v.getName()).isNull());
    }
    assertThat(DEFAULTS.env()).doesNotContainKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
  }

  @Test
  void valuesHoldNoCredentialOrPlaceholder() throws IOException {
    List<Path> files = new ArrayList<>(List.of(HelmChart.DIR.resolve("values.yaml")));
    HelmChart.PRESETS.forEach(p -> files.add(HelmChart.preset(p)));
    for (Path file : files) {
      assertThat(Files.readString(file))
          .as("%s", file.getFileName())
          .doesNotContainIgnoringCase("xxx")
          .doesNotContain("AKIA")
          .doesNotContainIgnoringCase("changeme")
          .doesNotContainIgnoringCase("password");
    }
    assertThat(HelmChart.readYaml(HelmChart.DIR.resolve("values.yaml")).get("credentials"))
        .asInstanceOf(MAP)
        .containsOnlyKeys("existingSecret", "keys", "irsa");
  }

  @Test
  void irsaAnnotatesTheServiceAccount() {
    Manifests irsa =
        HelmChart.render(
            Map.of(
                "store.url",
                STORE,
                "store.region",
                "eu-west-1",
                "credentials.irsa.roleArn",
                "arn:aws:iam::111122223333:role/coroner-agent"));
    assertThat(irsa.named(ServiceAccount.class, HelmChart.RELEASE).getMetadata().getAnnotations())
        .containsEntry("eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/coroner-agent")
        .containsEntry("eks.amazonaws.com/sts-regional-endpoints", "true");
    assertThat(irsa.env()).doesNotContainKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
    assertThat(
            DEFAULTS.named(ServiceAccount.class, HelmChart.RELEASE).getMetadata().getAnnotations())
        .isEmpty();

    Manifests workloadIdentity =
        HelmChart.render(
            Map.of(
                "store.url",
                STORE,
                "serviceAccount.annotations.iam\\.gke\\.io/gcp-service-account",
                "coroner@project.iam.gserviceaccount.com"));
    assertThat(
            workloadIdentity
                .named(ServiceAccount.class, HelmChart.RELEASE)
                .getMetadata()
                .getAnnotations())
        .containsExactly(
            Map.entry("iam.gke.io/gcp-service-account", "coroner@project.iam.gserviceaccount.com"));
  }
}
