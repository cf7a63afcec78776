package dev.coroner.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeout;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Workload keys for flood control from the pod's owner. Kubernetes' API server cannot run on this
 * machine, so this uses fabric8's mock server in CRUD mode for that one boundary.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class PodOwnersTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void deploymentPodIsKeyedByTheDeployment() {
    PodRef pod = create(pod("web-5d8f7c9b6-x2x7q", "ReplicaSet", "web-5d8f7c9b6", "5d8f7c9b6"));
    assertThat(new PodOwners(client).workloadKey(pod)).isEqualTo("shop/Deployment/web");
  }

  @Test
  void replicaSetNotNamedAfterTheHashIsKeyedByItself() {
    PodRef pod = create(pod("cache-abcde", "ReplicaSet", "cache", "5d8f7c9b6"));
    PodRef unlabelled = create(pod("queue-abcde", "ReplicaSet", "queue-5d8f7c9b6", null));
    PodOwners owners = new PodOwners(client);
    assertThat(owners.workloadKey(pod)).isEqualTo("shop/ReplicaSet/cache");
    assertThat(owners.workloadKey(unlabelled)).isEqualTo("shop/ReplicaSet/queue-5d8f7c9b6");
  }

  @Test
  void statefulSetAndJobPodsAreKeyedByTheirController() {
    PodRef db = create(pod("db-0", "StatefulSet", "db", null));
    PodRef job = create(pod("migrate-x7k2p", "Job", "migrate", null));
    PodOwners owners = new PodOwners(client);
    assertThat(owners.workloadKey(db)).isEqualTo("shop/StatefulSet/db");
    assertThat(owners.workloadKey(job)).isEqualTo("shop/Job/migrate");
  }

  @Test
  void podWithoutControllerIsItsOwnWorkload() {
    PodRef lonely = create(pod("lonely", null, null, null));
    Pod adopted = pod("adopted", "ReplicaSet", "web-5d8f7c9b6", "5d8f7c9b6");
    adopted.getMetadata().getOwnerReferences().get(0).setController(false);
    PodRef notControlled = create(adopted);
    PodOwners owners = new PodOwners(client);
    assertThat(owners.workloadKey(lonely)).isEqualTo("shop/pod/lonely");
    assertThat(owners.workloadKey(notControlled)).isEqualTo("shop/pod/adopted");
  }

  @Test
  void podAlreadyGoneFallsBack() {
    PodRef gone = new PodRef("shop", "gone-abcde", "uid-gone");
    assertThat(new PodOwners(client).workloadKey(gone)).isEqualTo("shop/pod/gone-abcde");
  }

  @Test
  void secondLookupIsServedFromTheCache() {
    PodRef pod = create(pod("db-0", "StatefulSet", "db", null));
    PodOwners owners = new PodOwners(client);
    int before = server.getRequestCount();
    assertThat(owners.workloadKey(pod)).isEqualTo("shop/StatefulSet/db");
    assertThat(server.getRequestCount()).isEqualTo(before + 1);
    assertThat(owners.workloadKey(pod)).isEqualTo("shop/StatefulSet/db");
    assertThat(owners.workloadKey(new PodRef("shop", "db-0", pod.uid())))
        .isEqualTo("shop/StatefulSet/db");
    assertThat(server.getRequestCount()).isEqualTo(before + 1);
  }

  @Test
  void cacheKeepsOnlyTheMostRecentPods() {
    PodRef a = create(pod("a-0", "StatefulSet", "a", null));
    PodRef b = create(pod("b-0", "StatefulSet", "b", null));
    PodRef c = create(pod("c-0", "StatefulSet", "c", null));
    PodOwners owners = new PodOwners(client, 2, PodOwners.DEFAULT_QUIET);
    owners.workloadKey(a);
    owners.workloadKey(b);
    owners.workloadKey(c);
    int before = server.getRequestCount();
    assertThat(owners.workloadKey(c)).isEqualTo("shop/StatefulSet/c");
    assertThat(server.getRequestCount()).isEqualTo(before);
    assertThat(owners.workloadKey(a)).isEqualTo("shop/StatefulSet/a");
    assertThat(server.getRequestCount()).isEqualTo(before + 1);
  }

  @Test
  void unreachableApiFallsBackQuickly() {
    PodRef pod = new PodRef("shop", "web-5d8f7c9b6-x2x7q", "uid-web");
    try (KubernetesClient dead = DeadApis.closedPort()) {
      PodOwners owners = new PodOwners(dead);
      assertTimeout(
          Duration.ofSeconds(3),
          () -> assertThat(owners.workloadKey(pod)).isEqualTo("shop/pod/web-5d8f7c9b6-x2x7q"));
    }
  }

  @Test
  void silentApiFallsBackAfterTheRequestTimeout() throws Exception {
    PodRef pod = new PodRef("shop", "db-0", "uid-db");
    try (DeadApis.Silent silent = new DeadApis.Silent();
        KubernetesClient hanging = silent.client(2000)) {
      PodOwners owners = new PodOwners(hanging);
      assertTimeout(
          Duration.ofSeconds(5),
          () -> assertThat(owners.workloadKey(pod)).isEqualTo("shop/pod/db-0"));
      // Within the quiet period nobody waits for the API again (it would take 2 s).
      assertTimeout(
          Duration.ofMillis(1000),
          () -> assertThat(owners.workloadKey(pod)).isEqualTo("shop/pod/db-0"));
    }
  }

  @Test
  void forbiddenFallsBackAndStaysQuiet() {
    // Expectations mode: CRUD mode has no way to refuse a request.
    KubernetesMockServer strict = new KubernetesMockServer(false);
    strict.init();
    try {
      strict
          .expect()
          .get()
          .withPath("/api/v1/namespaces/shop/pods/db-0")
          .andReturn(
              403,
              new StatusBuilder()
                  .withCode(403)
                  .withReason("Forbidden")
                  .withMessage("pods \"db-0\" is forbidden")
                  .build())
          .always();
      try (KubernetesClient forbidden = KubeClients.create(DeadApis.config(strict.url("/")))) {
        PodRef pod = new PodRef("shop", "db-0", "uid-db");
        PodOwners quiet = new PodOwners(forbidden);
        assertThat(quiet.workloadKey(pod)).isEqualTo("shop/pod/db-0");
        assertThat(quiet.workloadKey(pod)).isEqualTo("shop/pod/db-0");
        assertThat(strict.getRequestCount()).isEqualTo(1);

        // A failure is not cached: without a quiet period the next crash asks again.
        PodOwners eager = new PodOwners(forbidden, 16, Duration.ZERO);
        eager.workloadKey(pod);
        eager.workloadKey(pod);
        assertThat(strict.getRequestCount()).isEqualTo(3);
      }
    } finally {
      strict.destroy();
    }
  }

  @Test
  void offlineKeysEveryPodByItself() {
    PodRef pod = new PodRef("shop", "web-5d8f7c9b6-x2x7q", null);
    assertThat(PodOwners.offline().workloadKey(pod)).isEqualTo("shop/pod/web-5d8f7c9b6-x2x7q");
  }

  private PodRef create(Pod pod) {
    Pod created = client.pods().inNamespace("shop").resource(pod).create();
    return new PodRef("shop", pod.getMetadata().getName(), created.getMetadata().getUid());
  }

  private static Pod pod(String name, String ownerKind, String ownerName, String hash) {
    PodBuilder builder =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace("shop")
            .withLabels(
                hash == null ? Map.of("app", "x") : Map.of("app", "x", "pod-template-hash", hash))
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("app")
            .withImage("example/app:1")
            .endContainer()
            .endSpec();
    if (ownerKind != null) {
      builder
          .editMetadata()
          .addNewOwnerReference()
          .withApiVersion(ownerKind.equals("Job") ? "batch/v1" : "apps/v1")
          .withKind(ownerKind)
          .withName(ownerName)
          .withUid("uid-" + ownerName)
          .withController(true)
          .withBlockOwnerDeletion(true)
          .endOwnerReference()
          .endMetadata();
    }
    return builder.build();
  }
}
