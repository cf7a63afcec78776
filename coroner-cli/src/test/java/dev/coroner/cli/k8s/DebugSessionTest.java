package dev.coroner.cli.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.coroner.cli.errors.CliException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The debug pod's life: created, watched to readiness with progress, the session run, the pod
 * deleted at the end, on interrupt and on the shutdown path; clear failures for an image that
 * cannot be pulled and a pod that is never scheduled. Kubernetes' API server cannot run on this
 * machine, so this uses fabric8's mock server in CRUD mode for that one boundary; the test plays
 * the kubelet by writing the pod's status.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class DebugSessionTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private final StringWriter progress = new StringWriter();
  private final ExecutorService executor = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  @Test
  void proceedsOnReadyShowingProgressAndDeletesThePodAtTheEnd() throws Exception {
    Pod pod = pod();
    AtomicReference<DebugSession.Target> attachedTo = new AtomicReference<>();
    Future<Integer> session =
        start(
            pod,
            Duration.ofMinutes(1),
            false,
            target -> {
              attachedTo.set(target);
              // The pod is there while the session runs.
              assertThat(target.resource().get()).isNotNull();
              return 7;
            });
    Kubelet kubelet = kubeletFor(pod);
    kubelet.scheduled("node-1");
    await().atMost(10, TimeUnit.SECONDS).until(() -> progress.toString().contains("node-1"));
    kubelet.initRunning("exe");
    await().atMost(10, TimeUnit.SECONDS).until(() -> progress.toString().contains("exe: copying"));
    kubelet.initRunning("fetch");
    await().atMost(10, TimeUnit.SECONDS).until(() -> progress.toString().contains("fetch:"));
    assertThat(session).isNotDone();
    kubelet.ready();

    assertThat(session.get(10, TimeUnit.SECONDS)).isEqualTo(7);
    assertThat(attachedTo.get().qualifiedName()).isEqualTo("shop/" + name(pod));
    assertThat(progress.toString())
        .containsSubsequence(
            "Creating debug pod shop/" + name(pod),
            "Scheduled on node node-1",
            "exe: starting " + Fixtures.APP_DIGEST,
            "exe: copying the executable out of " + Fixtures.APP_DIGEST,
            "exe: done",
            "fetch: downloading the dump, verifying its core",
            "Ready",
            "Deleted pod shop/" + name(pod));
    assertThat(client.pods().inNamespace("shop").withName(name(pod)).get()).isNull();
  }

  @Test
  void anInterruptedSessionDeletesThePod() throws Exception {
    Pod pod = pod();
    Future<Integer> session = start(pod, Duration.ofMinutes(5), false, target -> 0);
    await().atMost(10, TimeUnit.SECONDS).until(() -> exists(pod));
    kubeletFor(pod).scheduled("node-1");
    await().atMost(10, TimeUnit.SECONDS).until(() -> progress.toString().contains("node-1"));

    session.cancel(true); // interrupts the waiting thread, as Ctrl-C's stop of a session would

    await().atMost(10, TimeUnit.SECONDS).until(() -> !exists(pod));
    await()
        .atMost(10, TimeUnit.SECONDS)
        .untilAsserted(() -> assertThat(progress.toString()).contains("Deleted pod shop/"));
    assertThatThrownBy(session::get).isInstanceOf(CancellationException.class);
  }

  @Test
  void theShutdownPathDeletesThePodOnceAndEndsTheWait() throws Exception {
    Pod pod = pod();
    DebugSession session = session(pod, Duration.ofMinutes(5), false);
    Future<Integer> running = executor.submit(() -> session.run(target -> 0));
    await().atMost(10, TimeUnit.SECONDS).until(() -> exists(pod));

    session.cleanup(); // what the JVM's shutdown hook runs on Ctrl-C or SIGTERM

    assertThat(exists(pod)).isFalse();
    assertThatThrownBy(() -> running.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(CliException.class)
        .hasMessageContaining("stopped; pod shop/" + name(pod) + " deleted");
    assertThat(progress.toString().split("Deleted pod", -1)).hasSize(2); // exactly once
  }

  @Test
  void anImageThatCannotBePulledIsNamedAndThePodDeleted() throws Exception {
    Pod pod = pod();
    Future<Integer> session = start(pod, Duration.ofMinutes(5), false, target -> 0);
    await().atMost(10, TimeUnit.SECONDS).until(() -> exists(pod));
    Kubelet kubelet = kubeletFor(pod);
    kubelet.scheduled("node-1");
    kubelet.imagePullBackOff(
        "exe", "Back-off pulling image \"" + Fixtures.APP_DIGEST + "\": not found");

    CliException e = failure(session);
    assertThat(e.exitCode()).isEqualTo(CliException.FAILURE);
    assertThat(e.getMessage())
        .contains("cannot pull image " + Fixtures.APP_DIGEST)
        .contains("container 'exe'")
        .contains("ImagePullBackOff")
        .contains("does not exist")
        .contains("-i IMAGE");
    assertThat(exists(pod)).isFalse();
    assertThat(progress.toString()).contains("Deleted pod shop/" + name(pod));
  }

  @Test
  void aPodNeverScheduledFailsAfterTheWaitWithTheSchedulersWords() throws Exception {
    Pod pod = pod();
    Future<Integer> session = start(pod, Duration.ofSeconds(3), false, target -> 0);
    await().atMost(10, TimeUnit.SECONDS).until(() -> exists(pod));
    String scheduler = "0/3 nodes are available: 3 Insufficient memory.";
    kubeletFor(pod).unschedulable(scheduler);
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> progress.toString().contains("waiting for a node: Unschedulable"));
    assertThat(session).isNotDone();

    CliException e = failure(session);
    assertThat(e.exitCode()).isEqualTo(CliException.FAILURE);
    assertThat(e.getMessage())
        .contains("was not scheduled within 3s")
        .contains("the scheduler says " + scheduler)
        .contains("--wait");
    assertThat(exists(pod)).isFalse();
  }

  @Test
  void keepLeavesThePodAndSaysHowToReachIt() throws Exception {
    Pod pod = pod();
    Future<Integer> session = start(pod, Duration.ofMinutes(1), true, target -> 0);
    await().atMost(10, TimeUnit.SECONDS).until(() -> exists(pod));
    kubeletFor(pod).ready();
    assertThat(session.get(10, TimeUnit.SECONDS)).isZero();
    assertThat(exists(pod)).isTrue();
    assertThat(progress.toString())
        .contains("Kept pod shop/" + name(pod))
        .contains("kubectl exec -it -n shop " + name(pod) + " -c debug -- rundebug.sh")
        .contains("ends after 4h");
  }

  @Test
  void aForbiddenCreateExits4WithTheRolesNeeded() {
    KubernetesMockServer strict = new KubernetesMockServer(false);
    strict.init();
    try (KubernetesClient denied = strict.createClient()) {
      strict
          .expect()
          .post()
          .withPath("/api/v1/namespaces/shop/pods")
          .andReturn(
              403,
              new StatusBuilder()
                  .withCode(403)
                  .withReason("Forbidden")
                  .withMessage(
                      "pods is forbidden: User \"dev\" cannot create resource \"pods\" in API"
                          + " group \"\" in the namespace \"shop\"")
                  .build())
          .always();
      DebugSession session =
          new DebugSession(
              denied,
              pod(),
              new PrintWriter(progress, true),
              new DebugSession.Options(Duration.ofMinutes(1), false),
              "context 'test'");
      assertThatThrownBy(() -> session.run(target -> 0))
          .isInstanceOf(CliException.class)
          .hasMessageContaining("User \"dev\" cannot create resource \"pods\"")
          .hasMessageContaining("pods create/get/list/watch/delete and pods/exec create")
          .hasMessageContaining("kubectl auth can-i create pods -n shop")
          .extracting(t -> ((CliException) t).exitCode())
          .isEqualTo(CliException.UNREACHABLE);
      assertThat(progress.toString()).doesNotContain("Deleted");
    } finally {
      strict.destroy();
    }
  }

  private Future<Integer> start(Pod pod, Duration wait, boolean keep, DebugSession.Action action) {
    DebugSession session = session(pod, wait, keep);
    return executor.submit(() -> session.run(action));
  }

  private DebugSession session(Pod pod, Duration wait, boolean keep) {
    return new DebugSession(
        client,
        pod,
        new PrintWriter(progress, true),
        new DebugSession.Options(wait, keep),
        "context 'test'");
  }

  private Kubelet kubeletFor(Pod pod) {
    await().atMost(10, TimeUnit.SECONDS).until(() -> exists(pod));
    return new Kubelet(client, "shop", name(pod));
  }

  private boolean exists(Pod pod) {
    return client.pods().inNamespace("shop").withName(name(pod)).get() != null;
  }

  private static CliException failure(Future<Integer> session) {
    try {
      session.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof CliException ce) {
        return ce;
      }
      throw new AssertionError(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the session succeeded");
  }

  private static Pod pod() {
    return DebugPodFactory.build(
            Fixtures.spec(
                Fixtures.dump("node"),
                DebugKind.NODEJS,
                Fixtures.APP_DIGEST,
                K8sDebug.PLACEHOLDER_URL))
        .toBuilder()
        .editMetadata()
        .withName(K8sDebug.podName(Fixtures.UUID))
        .endMetadata()
        .build();
  }

  private static String name(Pod pod) {
    return pod.getMetadata().getName();
  }
}
