package dev.coroner.cli.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.cli.CliConfig;
import dev.coroner.cli.Main;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code coroner gc} through the real command line: only pods with coroner's debug labels are
 * touched, and only finished, past their deadline or older than --older-than; --dry-run deletes
 * nothing. Kubernetes' API server cannot run on this machine, so this uses fabric8's mock server in
 * CRUD mode for that one boundary.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class GcCommandTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path tmp;
  private Path kubeconfig;

  @BeforeEach
  void pods() throws Exception {
    kubeconfig = MockKubeconfig.write(tmp, server);
    // The API server (and the mock) stamps creation times, so the pods differ by their deadlines
    // and gc runs 10 minutes later by its clock.
    Duration hours = Duration.ofHours(4);
    create("shop", "coroner-debug-finished", debugLabels(), "Failed", hours);
    create("shop", "coroner-debug-abandoned", debugLabels(), "Pending", Duration.ofMinutes(1));
    create("shop", "coroner-debug-in-use", debugLabels(), "Running", hours);
    create("shop", "web-failed", Map.of("app", "web"), "Failed", Duration.ofMinutes(1));
    create(
        "shop",
        "coroner-agent-x",
        Map.of("app.kubernetes.io/managed-by", "coroner", "app.kubernetes.io/component", "agent"),
        "Failed",
        Duration.ofMinutes(1));
    create("web", "coroner-debug-elsewhere", debugLabels(), "Succeeded", hours);
  }

  @Test
  void dryRunDeletesNothing() {
    Run r = gc("--dry-run");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("would delete shop/coroner-debug-finished: finished (Failed)")
        .contains("would delete shop/coroner-debug-abandoned: past its deadline (1m, age 10m)")
        .doesNotContain("in-use")
        .doesNotContain("web-failed")
        .doesNotContain("agent")
        .doesNotContain("elsewhere");
    assertThat(names("shop"))
        .containsExactlyInAnyOrder(
            "coroner-debug-finished",
            "coroner-debug-abandoned",
            "coroner-debug-in-use",
            "web-failed",
            "coroner-agent-x");
  }

  @Test
  void deletesOnlyLabelledPodsThatAreDoneOrPastTheirDeadline() {
    Run r = gc();
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("deleted shop/coroner-debug-finished")
        .contains("deleted shop/coroner-debug-abandoned");
    assertThat(names("shop"))
        .containsExactlyInAnyOrder("coroner-debug-in-use", "web-failed", "coroner-agent-x");
    assertThat(names("web")).containsExactly("coroner-debug-elsewhere");

    Run again = gc();
    assertThat(again.out())
        .contains("No coroner debug pods to delete in namespace shop (1 still in use)");
  }

  @Test
  void olderThanAlsoTakesRunningPodsAndAllNamespacesLooksEverywhere() {
    Run r = gc("-A", "--older-than", "5m");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("deleted shop/coroner-debug-in-use: older than 5m (age 10m)")
        .contains("deleted web/coroner-debug-elsewhere: finished (Succeeded)");
    assertThat(names("shop")).containsExactlyInAnyOrder("web-failed", "coroner-agent-x");
    assertThat(names("web")).isEmpty();
  }

  @Test
  void usageErrors() {
    assertThat(gc("-A", "-n", "shop").code()).isEqualTo(2);
    Run unknown = gc("--context", "prod");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("no context 'prod' in the kubeconfig; it has: mock");
  }

  @Test
  void anUnreachableClusterExits4() throws Exception {
    int closed;
    try (var socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    Path nowhere = tmp.resolve("nowhere");
    Files.writeString(
        nowhere, Files.readString(kubeconfig).replace(":" + server.getPort(), ":" + closed));
    Run r = gc("--kubeconfig", nowhere.toString());
    assertThat(r.code()).isEqualTo(4);
    assertThat(r.err())
        .contains("cannot reach the cluster at context 'mock'")
        .contains("kubectl config current-context");
  }

  private Run gc(String... args) {
    List<String> all = new ArrayList<>(List.of("gc"));
    all.addAll(List.of(args));
    if (!all.contains("--kubeconfig")) {
      all.addAll(List.of("--kubeconfig", kubeconfig.toString()));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine(CliConfig.load(Map.of(), tmp));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    GcCommand gc = cl.getSubcommands().get("gc").getCommand();
    gc.clock = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10));
    int code = cl.execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  record Run(int code, String out, String err) {}

  private List<String> names(String namespace) {
    return client.pods().inNamespace(namespace).list().getItems().stream()
        .map(p -> p.getMetadata().getName())
        .toList();
  }

  private static Map<String, String> debugLabels() {
    return Map.of(
        "app.kubernetes.io/managed-by", "coroner",
        "app.kubernetes.io/component", "debug",
        "coroner.dev/dump", Fixtures.UUID);
  }

  private void create(
      String namespace, String name, Map<String, String> labels, String phase, Duration deadline) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withActiveDeadlineSeconds(deadline.toSeconds())
            .addNewContainer()
            .withName("debug")
            .withImage("debug:1")
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPhase(phase)
            .endStatus()
            .build();
    client.pods().inNamespace(namespace).resource(pod).create();
  }
}
