package dev.coroner.deploy;

import static dev.coroner.deploy.HelmChart.STORE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.marcnuri.helm.LintResult;
import dev.coroner.node.NodeSetup;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chart with its defaults (plus the one required value): the agent the cluster would run. */
class ChartTest {
  private static final Manifests DEFAULTS = HelmChart.render(Map.of("store.url", STORE));

  @Test
  void lintStrictPassesOnTheDefaults() {
    LintResult lint = HelmChart.lint();
    assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
  }

  @Test
  void lintFailsOnABadValue(@TempDir Path dir) {
    // The lint of the presets below would prove nothing if a merged values.yaml went unchecked.
    LintResult lint = HelmChart.lint(dir, Map.of("store", Map.of("url", STORE, "sse", "des")));
    assertThat(lint.isFailed()).isTrue();
    assertThat(String.join("\n", lint.getMessages())).contains("/store/sse");
  }

  @Test
  void rendersTheAgentTheControllerAndTheirAccessOnly() {
    assertThat(DEFAULTS.kinds())
        .containsExactlyInAnyOrder(
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Service",
            "DaemonSet",
            // the controller (docs/access.md)
            "Deployment",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            // the roles teams bind, and the requester checks (downloads, snapshots)
            "ClusterRole",
            "ClusterRole",
            "ClusterRole",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding");
    for (HasMetadata object : DEFAULTS.objects()) {
      assertThat(object.getMetadata().getLabels())
          .as("labels of %s", object.getKind())
          .containsEntry("app.kubernetes.io/name", "coroner")
          .containsEntry("app.kubernetes.io/instance", HelmChart.RELEASE)
          .containsEntry("app.kubernetes.io/managed-by", "Helm")
          .containsEntry("app.kubernetes.io/version", "0.1.0")
          .containsEntry("helm.sh/chart", "coroner-0.1.0");
    }
  }

  @Test
  void agentIsPrivilegedRootWithTheChartsImage() {
    Container agent = DEFAULTS.agent();
    assertThat(agent.getSecurityContext().getPrivileged()).isTrue();
    assertThat(agent.getSecurityContext().getRunAsUser()).isZero();
    assertThat(agent.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(agent.getImage()).isEqualTo("ghcr.io/coroner-dev/coroner-agent:0.1.0");
    assertThat(agent.getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(DEFAULTS.pod().getHostPID())
        .as("snapshots (on by default) ptrace host PIDs")
        .isTrue();
    assertThat(HelmChart.render(Map.of("store.url", STORE, "snapshots.enabled", "false")).pod())
        .extracting(io.fabric8.kubernetes.api.model.PodSpec::getHostPID)
        .as("no snapshots, the pipe: the pod's own PID namespace")
        .isNull();
    assertThat(
            HelmChart.render(
                    Map.of(
                        "store.url", STORE,
                        "snapshots.enabled", "false",
                        "agent.coreHandler", "socket"))
                .pod()
                .getHostPID())
        .as("the socket receiver opens host pidfds")
        .isTrue();
    assertThat(DEFAULTS.pod().getHostNetwork()).isNull();
    assertThat(HelmChart.render(Map.of("store.url", STORE, "image.tag", "0.2.0-rc1")).agent())
        .extracting(Container::getImage)
        .isEqualTo("ghcr.io/coroner-dev/coroner-agent:0.2.0-rc1");
  }

  @Test
  void hostDirectoriesAreMountedAtTheirHostPaths() {
    // The kernel runs core_pattern's program on the host, so the paths the agent writes there
    // must be host paths.
    assertSamePath("prefix", "/opt/coroner", "DirectoryOrCreate");
    assertSamePath("dumps", "/var/lib/coroner/dumps", "DirectoryOrCreate");
    assertSamePath("runtime", "/run/containerd", "Directory");
    // The runtime names container logs by host path; the agent reads their tails, never writes.
    assertSamePath("pod-logs", "/var/log/pods", "DirectoryOrCreate");
    assertThat(DEFAULTS.mount("pod-logs").getReadOnly()).isTrue();
    assertThat(DEFAULTS.env("CORONER_PREFIX")).isEqualTo("/opt/coroner");
    assertThat(DEFAULTS.env("CORONER_DUMP_DIR")).isEqualTo("/var/lib/coroner/dumps");
    assertThat(DEFAULTS.env("CORONER_CRI_SOCKET")).isEqualTo("/run/containerd/containerd.sock");
    assertThat(DEFAULTS.env("CORONER_PROC_SYS")).isEqualTo("/proc/sys");
    assertThat(DEFAULTS.mount("tmp").getMountPath()).isEqualTo("/tmp");
    assertThat(DEFAULTS.volume("tmp").getEmptyDir()).isNotNull();
  }

  @Test
  void theSocketReceiverGetsTheHostsRunCoronerAtTheSamePath() {
    // The kernel looks the socket up from the host's root, without symlinks: the agent binds it
    // in the host's /run/coroner (NodeSetup.POD_SOCKET), mounted at the same path.
    assertThat(DEFAULTS.pod().getVolumes())
        .as("the pipe (the default) needs no socket directory")
        .noneMatch(v -> v.getName().equals("receiver-socket"));
    assertThat(DEFAULTS.agent().getVolumeMounts())
        .noneMatch(m -> m.getName().equals("receiver-socket"));
    for (String handler : List.of("socket", "auto")) {
      Manifests m = HelmChart.render(Map.of("store.url", STORE, "agent.coreHandler", handler));
      assertThat(m.volume("receiver-socket").getHostPath().getPath())
          .as(handler)
          .isEqualTo(NodeSetup.POD_SOCKET.getParent().toString())
          .isEqualTo("/run/coroner");
      assertThat(m.volume("receiver-socket").getHostPath().getType())
          .isEqualTo("DirectoryOrCreate");
      assertThat(m.mount("receiver-socket").getMountPath()).isEqualTo("/run/coroner");
      assertThat(m.mount("receiver-socket").getReadOnly()).isNotEqualTo(Boolean.TRUE);
      assertThat(m.pod().getHostPID()).as("nsenter into the host's mount namespace").isTrue();
      assertThat(m.agent().getSecurityContext().getPrivileged())
          .as("setns needs CAP_SYS_ADMIN")
          .isTrue();
    }
  }

  private void assertSamePath(String volume, String path, String type) {
    assertThat(DEFAULTS.volume(volume).getHostPath().getPath()).isEqualTo(path);
    assertThat(DEFAULTS.volume(volume).getHostPath().getType()).isEqualTo(type);
    assertThat(DEFAULTS.mount(volume).getMountPath()).isEqualTo(path);
  }

  @Test
  void probesUseTheHealthEndpointsOnTheMetricsPort() {
    Container agent = DEFAULTS.agent();
    assertThat(agent.getPorts())
        .extracting(p -> p.getName(), p -> p.getContainerPort())
        .containsExactly(tuple("metrics", 9464));
    assertProbe(agent.getLivenessProbe(), "/healthz");
    assertProbe(agent.getReadinessProbe(), "/readyz");

    Manifests moved = HelmChart.render(Map.of("store.url", STORE, "metrics.port", "9500"));
    assertThat(moved.agent().getPorts().get(0).getContainerPort()).isEqualTo(9500);
    assertThat(moved.env("CORONER_METRICS_PORT")).isEqualTo("9500");
    assertProbe(moved.agent().getLivenessProbe(), "/healthz");
  }

  private static void assertProbe(Probe probe, String path) {
    assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
    // By name, so that the probe follows metrics.port.
    assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("metrics");
    assertThat(probe.getPeriodSeconds()).isPositive();
  }

  @Test
  void stoppingRestoresTheKernelUnlessAskedNotTo() {
    assertThat(DEFAULTS.agent().getLifecycle().getPreStop().getExec().getCommand())
        .containsExactly("/opt/coroner-agent/bin/coroner-agent", "uninstall");
    assertThat(DEFAULTS.pod().getTerminationGracePeriodSeconds()).isEqualTo(60L);

    Manifests keep =
        HelmChart.render(
            Map.of(
                "store.url",
                STORE,
                "agent.restoreOnStop",
                "false",
                "agent.terminationGracePeriodSeconds",
                "120"));
    assertThat(keep.agent().getLifecycle()).isNull();
    assertThat(keep.env("CORONER_RESTORE_ON_STOP")).isEqualTo("false");
    assertThat(keep.pod().getTerminationGracePeriodSeconds()).isEqualTo(120L);

    // Nothing to restore when another installer owns the node setup.
    Manifests noInstall = HelmChart.render(Map.of("store.url", STORE, "agent.install", "false"));
    assertThat(noInstall.agent().getLifecycle()).isNull();
  }

  @Test
  void runsOnEveryLinuxNode() {
    assertThat(DEFAULTS.pod().getTolerations())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getOperator()).isEqualTo("Exists");
              assertThat(t.getKey()).isNull();
              assertThat(t.getEffect()).isNull();
            });
    assertThat(DEFAULTS.pod().getNodeSelector())
        .containsExactly(Map.entry("kubernetes.io/os", "linux"));
    assertThat(DEFAULTS.pod().getPriorityClassName()).isNull();
    assertThat(
            HelmChart.render(
                    Map.of("store.url", STORE, "priorityClassName", "system-node-critical"))
                .pod()
                .getPriorityClassName())
        .isEqualTo("system-node-critical");
    assertThat(DEFAULTS.agent().getResources().getLimits()).containsOnlyKeys("memory");
    assertThat(DEFAULTS.agent().getResources().getRequests()).containsOnlyKeys("cpu", "memory");
  }

  @Test
  void metricsServiceSelectsTheAgentAndTheServiceMonitorIsOptional() {
    Service service = DEFAULTS.one(Service.class);
    assertThat(service.getSpec().getSelector().entrySet())
        .isSubsetOf(
            DEFAULTS.daemonSet().getSpec().getTemplate().getMetadata().getLabels().entrySet());
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getPort()).isEqualTo(9464);
              assertThat(p.getTargetPort().getStrVal()).isEqualTo("metrics");
            });
    assertThat(DEFAULTS.ofKind("ServiceMonitor")).isEmpty();

    Manifests monitored =
        HelmChart.render(
            Map.of(
                "store.url",
                STORE,
                "metrics.serviceMonitor.enabled",
                "true",
                "metrics.serviceMonitor.labels.release",
                "kube-prometheus-stack"));
    GenericKubernetesResource monitor = monitored.ofKind("ServiceMonitor").get(0);
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
    assertThat(monitor.<String>get("spec", "endpoints", 0, "port")).isEqualTo("metrics");
    assertThat(monitor.<String>get("spec", "endpoints", 0, "path")).isEqualTo("/metrics");
    Map<String, String> selector = monitor.get("spec", "selector", "matchLabels");
    assertThat(service.getMetadata().getLabels().entrySet()).containsAll(selector.entrySet());

    assertThat(
            HelmChart.render(Map.of("store.url", STORE, "metrics.service.enabled", "false"))
                .kinds())
        .doesNotContain("Service");
  }

  @Test
  void notesSayHowToCheckCrashAndFindTheDump() {
    String notes = HelmChart.notes(Map.of("store.url", STORE));
    assertThat(notes)
        .contains("rollout status daemonset/coroner")
        .contains("coroner list --store " + STORE)
        .contains("pod-security.kubernetes.io/enforce=privileged")
        .contains("no credentials.existingSecret and no IRSA role")
        .doesNotContain("restoreOnStop is false");

    String keep =
        HelmChart.notes(
            Map.of(
                "store.url",
                STORE,
                "credentials.existingSecret",
                "s3-keys",
                "agent.restoreOnStop",
                "false"));
    assertThat(keep)
        .doesNotContain("no credentials.existingSecret")
        .contains("--set agent.restoreOnStop=true");
  }

  @Test
  void noOpenShiftObjectsOutsideOpenShift() {
    assertThat(DEFAULTS.ofKind("SecurityContextConstraints")).isEmpty();
  }

  @Test
  void lintStrictPassesWithEveryOptionOn(@TempDir Path dir) {
    LintResult lint =
        HelmChart.lint(
            dir,
            Map.of(
                "store",
                Map.of("url", STORE, "region", "eu-west-1", "endpoint", "https://s3.example"),
                "credentials",
                Map.of("existingSecret", "s3-keys"),
                "metrics",
                Map.of("serviceMonitor", Map.of("enabled", true)),
                "openshift",
                Map.of("scc", Map.of("create", true)),
                "capture",
                Map.of("namespaces", Map.of("include", List.of("shop")))));
    assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
  }
}
