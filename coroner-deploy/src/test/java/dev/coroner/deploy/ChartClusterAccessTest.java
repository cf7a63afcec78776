package dev.coroner.deploy;

import static dev.coroner.deploy.HelmChart.NAMESPACE;
import static dev.coroner.deploy.HelmChart.STORE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.coroner.controller.config.ControllerVariable;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Dumps as Kubernetes resources in the chart: the CRDs in crds/ (helm installs them before the
 * templates; {@code helm template} never renders them, so they are read from the directory), the
 * roles teams bind, the controller's own identity and rights, and the requester check.
 */
class ChartClusterAccessTest {
  private static final Manifests DEFAULTS = HelmChart.render(Map.of("store.url", STORE));
  private static final String CONTROLLER = HelmChart.RELEASE + "-controller";
  private static final List<String> READ = List.of("get", "list", "watch");
  private static final List<String> POD_VERBS = List.of("create", "get", "list", "watch", "delete");

  @Test
  void theCrdsAreThereAndParse() throws IOException {
    CustomResourceDefinition dumps = crd("coredumps.coroner.dev.yaml");
    assertThat(dumps.getSpec().getGroup()).isEqualTo("coroner.dev");
    assertThat(dumps.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(dumps.getSpec().getNames().getKind()).isEqualTo("CoreDump");
    CustomResourceDefinitionVersion v1 = dumps.getSpec().getVersions().get(0);
    assertThat(v1.getName()).isEqualTo("v1");
    // kubectl get coredumps -n shop shows these columns.
    assertThat(v1.getAdditionalPrinterColumns())
        .filteredOn(c -> c.getPriority() == null || c.getPriority() == 0)
        .extracting(CustomResourceColumnDefinition::getName)
        .containsExactly("EXE", "SIGNAL", "POD", "NODE", "CRASH", "AGE", "SIZE");
    assertThat(v1.getSchema().getOpenAPIV3Schema().getProperties().get("spec").getRequired())
        .contains("uuid", "object");

    CustomResourceDefinition downloads = crd("coredumpdownloads.coroner.dev.yaml");
    assertThat(downloads.getSpec().getNames().getKind()).isEqualTo("CoreDumpDownload");
    CustomResourceDefinitionVersion d1 = downloads.getSpec().getVersions().get(0);
    assertThat(d1.getSubresources().getStatus()).as("users cannot write the answer").isNotNull();
    var spec = d1.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(spec.getRequired()).containsExactlyInAnyOrder("coreDump", "requester");
    Pattern key = Pattern.compile(spec.getProperties().get("publicKey").getPattern());
    assertThat(
            key.matcher("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p").matches())
        .isTrue();
    assertThat(key.matcher("AGE-SECRET-KEY-1QQ").matches()).isFalse();

    CustomResourceDefinition snapshots = crd("coredumpsnapshots.coroner.dev.yaml");
    assertThat(snapshots.getSpec().getNames().getKind()).isEqualTo("CoreDumpSnapshot");
    assertThat(snapshots.getSpec().getScope()).isEqualTo("Namespaced");
    CustomResourceDefinitionVersion s1 = snapshots.getSpec().getVersions().get(0);
    assertThat(s1.getSubresources().getStatus()).as("users cannot write the outcome").isNotNull();
    assertThat(s1.getSchema().getOpenAPIV3Schema().getProperties().get("spec").getRequired())
        .containsExactly("pod");
    // Templates never carry them: helm would not upgrade CRDs there either.
    assertThat(DEFAULTS.kinds()).doesNotContain("CustomResourceDefinition");
  }

  @Test
  void theRolesGrantExactlyTheDocumentedVerbsAndAggregateNowhere() {
    Map<String, List<List<Object>>> documented = new LinkedHashMap<>();
    documented.put(
        "coroner-dump-viewer",
        List.of(
            rule("coroner.dev", "coredumps", READ),
            rule("coroner.dev", "coredumpsnapshots", READ)));
    documented.put(
        "coroner-dump-debugger",
        List.of(
            rule("coroner.dev", "coredumps", READ),
            rule("coroner.dev", "coredumpdownloads", List.of("create", "get")),
            rule("coroner.dev", "coredumpsnapshots", List.of("create", "get", "list", "watch")),
            rule("", "pods", POD_VERBS),
            rule("", "pods/exec", List.of("create"))));
    documented.put(
        "coroner-dump-admin",
        List.of(
            rule("coroner.dev", "coredumps", List.of("get", "list", "watch", "delete")),
            rule("coroner.dev", "coredumpdownloads", List.of("create", "get")),
            rule(
                "coroner.dev",
                "coredumpsnapshots",
                List.of("create", "get", "list", "watch", "delete")),
            rule("", "pods", POD_VERBS),
            rule("", "pods/exec", List.of("create"))));
    documented.forEach(
        (name, rules) -> {
          ClusterRole role = DEFAULTS.named(ClusterRole.class, name);
          assertThat(role.getRules())
              .extracting(ChartClusterAccessTest::rule)
              .as(name)
              .containsExactlyElementsOf(rules);
          assertThat(role.getAggregationRule()).isNull();
          assertThat(role.getMetadata().getLabels().keySet())
              .as("%s is aggregated into no built-in role", name)
              .noneMatch(k -> k.startsWith("rbac.authorization.k8s.io/aggregate-to"));
        });
    // Only the agent writes a snapshot's outcome, as only the controller answers a download.
    assertThat(DEFAULTS.all(ClusterRole.class))
        .filteredOn(r -> r.getMetadata().getName().startsWith("coroner-dump-"))
        .hasSize(3)
        .flatExtracting(ClusterRole::getRules)
        .flatExtracting(PolicyRule::getResources)
        .doesNotContain("coredumpsnapshots/status", "coredumpdownloads/status", "*");
    // Bound by teams, never by the chart.
    assertThat(DEFAULTS.all(ClusterRoleBinding.class))
        .noneMatch(b -> b.getRoleRef().getName().startsWith("coroner-dump-"));
    assertThat(DEFAULTS.all(RoleBinding.class))
        .noneMatch(b -> b.getRoleRef().getName().startsWith("coroner-dump-"));
    assertThat(
            HelmChart.render(Map.of("store.url", STORE, "rbac.userRoles", "false"))
                .all(ClusterRole.class))
        .extracting(r -> r.getMetadata().getName())
        .doesNotContain("coroner-dump-viewer", "coroner-dump-debugger", "coroner-dump-admin");
  }

  @Test
  void theControllerHasItsOwnServiceAccountAndOnlyWhatItUses() {
    Deployment controller = DEFAULTS.named(Deployment.class, CONTROLLER);
    String account = controller.getSpec().getTemplate().getSpec().getServiceAccountName();
    assertThat(account).isEqualTo(CONTROLLER).isNotEqualTo(DEFAULTS.pod().getServiceAccountName());
    assertThat(DEFAULTS.named(ServiceAccount.class, CONTROLLER)).isNotNull();
    assertThat(controller.getSpec().getReplicas()).isEqualTo(2);
    Container c = controller.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("ghcr.io/coroner-dev/coroner-controller:0.1.0");
    assertThat(c.getSecurityContext().getPrivileged()).isNull();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(controller.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot())
        .isTrue();

    ClusterRole role = DEFAULTS.named(ClusterRole.class, CONTROLLER);
    assertThat(role.getRules())
        .extracting(ChartClusterAccessTest::rule)
        .containsExactly(
            rule("coroner.dev", "coredumpdownloads", List.of("get", "list", "watch", "delete")),
            rule("coroner.dev", "coredumpdownloads/status", List.of("update", "patch")),
            rule(
                "coroner.dev",
                "coredumps",
                List.of("get", "list", "watch", "create", "update", "patch", "delete")));
    ClusterRoleBinding binding = DEFAULTS.named(ClusterRoleBinding.class, CONTROLLER);
    assertThat(binding.getSubjects())
        .extracting(s -> s.getKind(), s -> s.getName(), s -> s.getNamespace())
        .containsExactly(tuple("ServiceAccount", CONTROLLER, NAMESPACE));
    // Leader election: its one Lease, in the release namespace.
    Role lease = DEFAULTS.named(Role.class, CONTROLLER + "-leader");
    assertThat(lease.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(lease.getRules())
        .extracting(
            r -> r.getApiGroups(),
            r -> r.getResources(),
            r -> r.getResourceNames(),
            r -> r.getVerbs())
        .containsExactly(
            tuple(List.of("coordination.k8s.io"), List.of("leases"), List.of(), List.of("create")),
            tuple(
                List.of("coordination.k8s.io"),
                List.of("leases"),
                List.of(CONTROLLER),
                List.of("get", "update")));
    assertThat(
            DEFAULTS
                .named(RoleBinding.class, CONTROLLER + "-leader")
                .getSubjects()
                .get(0)
                .getName())
        .isEqualTo(CONTROLLER);
  }

  @Test
  void theControllersEnvironmentIsItsTableWithBucketKeysFromTheSecretOnly() {
    Manifests m =
        HelmChart.render(
            Map.of(
                "store.url", STORE,
                "credentials.existingSecret", "s3-keys",
                "controller.urlTtl", "5m",
                "controller.retention", "0",
                "coreDumps.hostNamespace", "crash-hosts"));
    Container c =
        m.named(Deployment.class, CONTROLLER)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    Map<String, EnvVar> env =
        c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, v -> v));
    Set<String> table = new TreeSet<>();
    for (ControllerVariable v : ControllerVariable.values()) {
      table.add(v.name());
    }
    Set<String> optional =
        Set.of("CORONER_S3_REGION", "CORONER_S3_PATH_STYLE", "AWS_ENDPOINT_URL_S3");
    Set<String> set = new TreeSet<>(env.keySet());
    set.removeAll(Set.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"));
    Set<String> expected = new TreeSet<>(table);
    expected.removeAll(optional);
    assertThat(set).as("what the chart sets is the controller's table").isEqualTo(expected);
    assertThat(env.get("CORONER_STORE").getValue()).isEqualTo(STORE);
    assertThat(env.get("CORONER_URL_TTL").getValue()).isEqualTo("5m");
    assertThat(env.get("CORONER_RETENTION").getValue()).isEqualTo("0");
    assertThat(env.get("CORONER_HOST_NAMESPACE").getValue()).isEqualTo("crash-hosts");
    assertThat(m.env("CORONER_HOST_NAMESPACE")).as("the agents agree").isEqualTo("crash-hosts");
    assertThat(env.get("CORONER_POD_NAME").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.name");
    for (String key : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")) {
      assertThat(env.get(key).getValue()).isNull();
      assertThat(env.get(key).getValueFrom().getSecretKeyRef().getName()).isEqualTo("s3-keys");
    }
    // The chart's defaults are the controller's own.
    Container d =
        DEFAULTS
            .named(Deployment.class, CONTROLLER)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    for (ControllerVariable v :
        List.of(
            ControllerVariable.CORONER_URL_TTL,
            ControllerVariable.CORONER_RETENTION,
            ControllerVariable.CORONER_RESYNC_INTERVAL,
            ControllerVariable.CORONER_HEALTH_PORT)) {
      assertThat(
              d.getEnv().stream()
                  .filter(e -> e.getName().equals(v.name()))
                  .findFirst()
                  .orElseThrow()
                  .getValue())
          .as(v.name())
          .isEqualTo(v.defaultValue());
    }
    assertThat(DEFAULTS.env("CORONER_HOST_NAMESPACE")).isEqualTo(NAMESPACE);
  }

  @Test
  void irsaGivesTheControllerItsOwnRole() {
    Manifests m =
        HelmChart.render(
            Map.of(
                "store.url", STORE,
                "store.region", "eu-west-1",
                "credentials.irsa.roleArn", "arn:aws:iam::111122223333:role/coroner-agent",
                "controller.irsa.roleArn", "arn:aws:iam::111122223333:role/coroner-controller"));
    assertThat(m.named(ServiceAccount.class, CONTROLLER).getMetadata().getAnnotations())
        .containsEntry(
            "eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/coroner-controller");
    assertThat(m.named(ServiceAccount.class, HelmChart.RELEASE).getMetadata().getAnnotations())
        .containsEntry(
            "eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/coroner-agent");
  }

  @Test
  void theAdmissionPoliciesRequireTheCreatorAsRequesterOfDownloadsAndSnapshots() {
    Map<String, String> resources =
        Map.of(
            HelmChart.RELEASE + "-download-requester", "coredumpdownloads",
            HelmChart.RELEASE + "-snapshot-requester", "coredumpsnapshots");
    assertThat(DEFAULTS.all(ValidatingAdmissionPolicy.class))
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrderElementsOf(resources.keySet());
    resources.forEach(
        (name, resource) -> {
          ValidatingAdmissionPolicy policy = DEFAULTS.named(ValidatingAdmissionPolicy.class, name);
          assertThat(policy.getSpec().getFailurePolicy()).isEqualTo("Fail");
          var rule = policy.getSpec().getMatchConstraints().getResourceRules().get(0);
          assertThat(policy.getSpec().getMatchConstraints().getResourceRules()).hasSize(1);
          assertThat(rule.getApiGroups()).containsExactly("coroner.dev");
          assertThat(rule.getResources()).as(name).containsExactly(resource);
          assertThat(rule.getOperations()).containsExactly("CREATE");
          assertThat(policy.getSpec().getValidations())
              .singleElement()
              .satisfies(
                  v -> {
                    // The agent's triggers pass too: their requester is its service account.
                    assertThat(v.getExpression())
                        .isEqualTo(
                            "has(object.spec.requester) && object.spec.requester =="
                                + " request.userInfo.username");
                    assertThat(v.getReason()).isEqualTo("Forbidden");
                  });
          ValidatingAdmissionPolicyBinding binding =
              DEFAULTS.named(ValidatingAdmissionPolicyBinding.class, name);
          assertThat(binding.getSpec().getPolicyName()).isEqualTo(name);
          assertThat(binding.getSpec().getValidationActions()).containsExactly("Deny");
        });
    assertThat(DEFAULTS.all(ValidatingAdmissionPolicyBinding.class)).hasSize(2);
    // Before 1.30 there is no GA ValidatingAdmissionPolicy: none is rendered (docs/access.md).
    assertThat(HelmChart.renderFor("1.29.0", Map.of("store.url", STORE)).kinds())
        .doesNotContain("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
    assertThat(
            HelmChart.render(
                    Map.of("store.url", STORE, "coreDumps.admissionPolicy.enabled", "false"))
                .kinds())
        .doesNotContain("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
  }

  @Test
  void badControllerValuesFailWithTheirPath() {
    assertThat(HelmChart.renderError(Map.of("store.url", STORE, "controller.urlTtl", "1h")))
        .contains("at '/controller/urlTtl'");
    assertThat(HelmChart.renderError(Map.of("store.url", STORE, "controller.urlTtl", "2m")))
        .contains("at '/controller/urlTtl'");
    assertThat(HelmChart.renderError(Map.of("store.url", STORE, "controller.retention", "forever")))
        .contains("/controller/retention");
    assertThat(
            HelmChart.renderError(Map.of("store.url", STORE, "coreDumps.hostNamespace", "Hosts")))
        .contains("at '/coreDumps/hostNamespace'");
    assertThat(HelmChart.renderError(Map.of("store.url", STORE, "controller.bogus", "1")))
        .contains("additional properties 'bogus' not allowed");
    assertThat(
            HelmChart.renderError(
                Map.of(
                    "store.url", STORE,
                    "controller.extraEnv[0].name", "AWS_SECRET_ACCESS_KEY",
                    "controller.extraEnv[0].value", "wJalrXUtnFEMI")))
        .contains("at '/controller/extraEnv/0'");
    assertThat(
            HelmChart.render(Map.of("store.url", STORE, "controller.enabled", "false"))
                .all(Deployment.class))
        .isEmpty();
  }

  private static CustomResourceDefinition crd(String file) throws IOException {
    return new KubernetesSerialization()
        .unmarshal(
            Files.readString(HelmChart.DIR.resolve("crds").resolve(file)),
            CustomResourceDefinition.class);
  }

  private static List<Object> rule(String group, String resource, List<String> verbs) {
    return List.of(List.of(group), List.of(resource), verbs);
  }

  private static List<Object> rule(PolicyRule r) {
    assertThat(r.getResourceNames()).isEmpty();
    return List.of(r.getApiGroups(), r.getResources(), r.getVerbs());
  }
}
