package dev.coroner.cli.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.cli.errors.CliException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.ErrorStreamMessage;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import io.fabric8.mockwebserver.internal.WebSocketMessage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Batch mode's exec: {@code rundebug.sh} with the debugger's batch flags, its output over the exec
 * WebSocket (channel 1 stdout, 2 stderr, 3 the exit status) printed by the CLI, and the exit code
 * passed on. Kubernetes' API server cannot run on this machine and the mock refuses exec in CRUD
 * mode, so this uses its expectations mode with {@code andUpgradeToWebSocket()}.
 */
@EnableKubernetesMockClient(https = false)
@Timeout(30)
class BatchExecTest {
  private static final String V8_BT =
      " * thread #1: tid = 8, 0x0000000000983719 node`v8::base::OS::Abort() + 9\n"
          + "    frame #6: 0x00000000013dcea2 bar(this=0x4449d40b09:<Global proxy>) at"
          + " /home/node/app/index.js:12:13\n";

  KubernetesMockServer server;
  KubernetesClient client;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void readyPod() {
    // fabric8 checks that the pod is ready before it opens an exec.
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("coroner-debug-a686e8f6-x7k2p")
            .withNamespace("shop")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("debug")
            .withImage("ghcr.io/coroner-dev/coroner-debug-nodejs:0.1.0")
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPhase("Running")
            .addToConditions(Kubelet.condition("Ready", "True", null, null))
            .endStatus()
            .build();
    server
        .expect()
        .get()
        .withPath("/api/v1/namespaces/shop/pods/coroner-debug-a686e8f6-x7k2p")
        .andReturn(200, pod)
        .always();
    server
        .expect()
        .get()
        .withPath(
            "/api/v1/namespaces/shop/pods?fieldSelector=metadata.name%3Dcoroner-debug-a686e8f6-x7k2p")
        .andReturn(200, new PodListBuilder().withNewMetadata().endMetadata().withItems(pod).build())
        .always();
  }

  @Test
  void llnodeCommandsRunInBatchAndTheirOutputIsPrinted() throws Exception {
    var invocation = DebugKind.NODEJS.invocation(true, List.of("v8 bt", "v8 source list"));
    assertThat(invocation.argv())
        .containsExactly("rundebug.sh", "--batch", "-o", "v8 bt", "-o", "v8 source list");
    expectExec(
        invocation,
        false,
        new OutputStreamMessage("(lldb) v8 bt\n"),
        new OutputStreamMessage(V8_BT),
        new ErrorStreamMessage("warning: (x86_64) core: unable to read some memory\n"),
        new StatusStreamMessage(0));

    int code = BatchExec.run(target(), invocation, writer(out), writer(err));

    assertThat(code).isZero();
    assertThat(out.toString()).isEqualTo("(lldb) v8 bt\n" + V8_BT);
    assertThat(err.toString()).isEqualTo("warning: (x86_64) core: unable to read some memory\n");
  }

  @Test
  void theDebuggersExitCodeIsPassedOn() throws Exception {
    var invocation = DebugKind.NATIVE_GDB.invocation(true, List.of("bt"));
    assertThat(invocation.argv()).containsExactly("rundebug.sh", "-batch", "-ex", "bt");
    expectExec(
        invocation,
        false,
        new ErrorStreamMessage("rundebug.sh: cannot read /shared/crasher\n"),
        new StatusStreamMessage(3));

    assertThat(BatchExec.run(target(), invocation, writer(out), writer(err))).isEqualTo(3);
    assertThat(err.toString()).contains("cannot read /shared/crasher");
  }

  @Test
  void jhsdbGetsItsCommandsFromAShellInThePodNotOverTheExecStream() throws Exception {
    var invocation = DebugKind.JAVA.invocation(true, List.of("jstack", "threads"));
    assertThat(invocation.argv())
        .startsWith("sh", "-c")
        .endsWith("jstack\nthreads\nquit\n", "rundebug.sh");
    // No stdin over the WebSocket: it raced the exec's end (and the mock's close) before.
    expectExec(
        invocation,
        false,
        new OutputStreamMessage("\"main\" #1 prio=5 tid=0x00007f\n"),
        new StatusStreamMessage(0));

    int code = BatchExec.run(target(), invocation, writer(out), writer(err));

    assertThat(code).isZero();
    assertThat(out.toString()).isEqualTo("\"main\" #1 prio=5 tid=0x00007f\n");
  }

  @Test
  void aForbiddenExecExits4AndIsNotRetried() {
    var invocation = DebugKind.NODEJS.invocation(true, List.of("v8 bt"));
    server
        .expect()
        .get()
        .withPath(execPath(invocation, false))
        .andReturn(
            403,
            new StatusBuilder()
                .withCode(403)
                .withMessage(
                    "pods \"coroner-debug-a686e8f6-x7k2p\" is forbidden: User \"dev\""
                        + " cannot create resource \"pods/exec\"")
                .build())
        .always();
    int before = server.getRequestCount();
    assertThatThrownBy(() -> BatchExec.run(target(), invocation, writer(out), writer(err)))
        .isInstanceOf(CliException.class)
        // The JDK's WebSocket client keeps the status of a refused upgrade, not its body.
        .hasMessageContaining("forbidden to exec into pod shop/coroner-debug-a686e8f6-x7k2p")
        .hasMessageContaining("pods/exec create")
        .extracting(t -> ((CliException) t).exitCode())
        .isEqualTo(CliException.UNREACHABLE);
    // The readiness check and one exec attempt: a 403 is final.
    assertThat(server.getRequestCount() - before).isLessThanOrEqualTo(3);
  }

  private void expectExec(
      DebugKind.Invocation invocation, boolean stdin, WebSocketMessage... frames) {
    var session =
        server.expect().get().withPath(execPath(invocation, stdin)).andUpgradeToWebSocket().open();
    for (WebSocketMessage frame : frames) {
      session = session.waitFor(10).andEmit(frame);
    }
    session.done().always();
  }

  /** The exec URL fabric8 asks for: each argument a {@code command} parameter. */
  private static String execPath(DebugKind.Invocation invocation, boolean stdin) {
    String command =
        invocation.argv().stream()
            .map(a -> "command=" + URLEncoder.encode(a, StandardCharsets.UTF_8).replace("+", "%20"))
            .collect(Collectors.joining("&"));
    return "/api/v1/namespaces/shop/pods/coroner-debug-a686e8f6-x7k2p/exec?"
        + command
        + "&container=debug"
        + (stdin ? "&stdin=true" : "")
        + "&stdout=true&stderr=true";
  }

  private DebugSession.Target target() {
    return new DebugSession.Target(
        client.pods().inNamespace("shop").withName("coroner-debug-a686e8f6-x7k2p"),
        "shop",
        "coroner-debug-a686e8f6-x7k2p");
  }

  private static PrintWriter writer(StringWriter w) {
    return new PrintWriter(w, true);
  }
}
