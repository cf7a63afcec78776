package dev.coroner.controller;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.controller.dumps.BucketResync;
import dev.coroner.kube.api.CoreDump;
import dev.coroner.kube.api.CoronerApi;
import dev.coroner.store.StoredDump;
import dev.coroner.store.s3.S3Store;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A dump's life as the controller keeps it: deleting its CoreDump deletes its object (the
 * finalizer), the bucket's listing recreates missing CoreDumps and removes those whose object is
 * gone, and the retention TTL removes both. A real S3 server (s3proxy, in-process) holds the dumps.
 * Kubernetes' API server cannot run on this machine, so fabric8's mock server stands in for it, in
 * CRUD mode with the chart's CRDs created in it (finalizers and deletion timestamps work there).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class DumpLifecycleIT {
  @RegisterExtension
  final S3ProxyExtension s3 =
      S3ProxyExtension.builder()
          .withCredentials("ctl-access", "ctl-secret")
          .ignoreUnknownHeaders()
          .build();

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path tmp;
  private S3Store store;
  private ControllerFixture.Audit audit;
  private Controller controller;

  @BeforeEach
  void bucketAndCrds() throws Exception {
    System.setProperty("aws.accessKeyId", s3.getAccessKey());
    System.setProperty("aws.secretAccessKey", s3.getSecretKey());
    try (S3Client admin =
        S3Client.builder()
            .endpointOverride(s3.getUri())
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .build()) {
      admin.createBucket(b -> b.bucket("crashes"));
    }
    Fixtures.installCrds(client);
    store = ControllerFixture.store(s3);
    audit = ControllerFixture.Audit.kept();
  }

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
    store.close();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @Test
  void deletingACoreDumpDeletesItsObjectThenTheFinalizerGoes() throws Exception {
    CoreDump kept =
        Fixtures.upload(
            store, client, Fixtures.dump(tmp.resolve("a"), "shop", "web-1", 10_000), "coroner");
    CoreDump doomed =
        Fixtures.upload(
            store, client, Fixtures.dump(tmp.resolve("b"), "shop", "web-2", 10_000), "coroner");
    assertThat(doomed.getMetadata().getFinalizers()).containsExactly(CoronerApi.FINALIZER);
    controller = start(Duration.ZERO);

    client.resource(doomed).delete();

    await().atMost(15, SECONDS).until(() -> get(doomed) == null);
    assertThat(uuids()).containsExactly(kept.getMetadata().getName());
    assertThat(get(kept)).isNotNull();
    assertThat(audit.lines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"action\":\"delete\"")
                    .contains(doomed.getMetadata().getName())
                    .contains("\"decision\":\"deleted\""));
  }

  @Test
  void theBucketIsTheTruthBothWays() throws Exception {
    // In the bucket without a CoreDump (the agent could not reach the API): recreated, in its pod's
    // namespace or, for a host process, the host namespace.
    CoreDump inPod =
        Fixtures.upload(
            store, client, Fixtures.dump(tmp.resolve("a"), "shop", "web-1", 10_000), "coroner");
    CoreDump onHost =
        Fixtures.upload(
            store, client, Fixtures.dump(tmp.resolve("b"), null, "build-7", 10_000), "coroner");
    assertThat(onHost.getMetadata().getNamespace()).isEqualTo("coroner");
    CoreDump before = get(inPod);
    removeFinalizerAndDelete(inPod);
    removeFinalizerAndDelete(onHost);
    // A CoreDump whose object went from the bucket behind coroner's back: removed.
    CoreDump gone =
        Fixtures.upload(
            store, client, Fixtures.dump(tmp.resolve("c"), "shop", "web-3", 10_000), "coroner");
    store.delete(object(gone));

    BucketResync.Result r = resync(Duration.ZERO).run();

    assertThat(r.created()).isEqualTo(2);
    assertThat(r.orphansDeleted()).isEqualTo(1);
    CoreDump recreated = get(inPod);
    assertThat(recreated.getSpec()).isEqualTo(before.getSpec());
    assertThat(recreated.getMetadata().getLabels()).containsEntry(CoronerApi.LABEL_POD, "web-1");
    assertThat(recreated.getMetadata().getFinalizers()).containsExactly(CoronerApi.FINALIZER);
    assertThat(get(onHost)).isNotNull();
    // The orphan goes through its finalizer like any deletion; the controller finishes it.
    controller = start(Duration.ZERO);
    await().atMost(15, SECONDS).until(() -> get(gone) == null);

    BucketResync.Result again = resync(Duration.ZERO).run();
    assertThat(again.created() + again.orphansDeleted() + again.expired()).isZero();
  }

  @Test
  void retentionRemovesOldDumpsWithOrWithoutTheirCoreDumps() throws Exception {
    CoreDump old =
        Fixtures.upload(
            store, client, Fixtures.dump(tmp.resolve("a"), "shop", "web-1", 10_000), "coroner");
    CoreDump oldAlone =
        Fixtures.upload(
            store, client, Fixtures.dump(tmp.resolve("b"), "shop", "web-2", 10_000), "coroner");
    removeFinalizerAndDelete(oldAlone);
    controller = start(Duration.ZERO);
    // Every dump here is seconds old: seen from 2 s on, a retention of 1 s makes them all past it.
    BucketResync.Result r =
        resync(Duration.ofSeconds(1), Clock.offset(Clock.systemUTC(), Duration.ofSeconds(2))).run();

    assertThat(r.expired()).isEqualTo(2);
    await().atMost(15, SECONDS).until(() -> get(old) == null);
    assertThat(uuids()).isEmpty();
  }

  private Controller start(Duration retention) {
    Controller c =
        new Controller(
            ControllerFixture.config(s3, Duration.ofMinutes(5), retention),
            client,
            store,
            audit.log(),
            Clock.systemUTC());
    c.lead();
    return c;
  }

  private BucketResync resync(Duration retention) {
    return resync(retention, Clock.systemUTC());
  }

  private BucketResync resync(Duration retention, Clock clock) {
    return new BucketResync(
        client, store, audit.log(), clock, retention, ControllerFixture.HOST_NAMESPACE);
  }

  private CoreDump get(CoreDump d) {
    return client
        .resources(CoreDump.class)
        .inNamespace(d.getMetadata().getNamespace())
        .withName(d.getMetadata().getName())
        .get();
  }

  private void removeFinalizerAndDelete(CoreDump d) {
    client
        .resources(CoreDump.class)
        .inNamespace(d.getMetadata().getNamespace())
        .withName(d.getMetadata().getName())
        .edit(
            c -> {
              c.getMetadata().setFinalizers(List.of());
              return c;
            });
    client
        .resources(CoreDump.class)
        .inNamespace(d.getMetadata().getNamespace())
        .withName(d.getMetadata().getName())
        .delete();
    await().atMost(5, SECONDS).until(() -> get(d) == null);
  }

  private StoredDump object(CoreDump d) throws Exception {
    return store.list().stream()
        .filter(s -> s.uuid().equals(d.getMetadata().getName()))
        .findFirst()
        .orElseThrow();
  }

  private List<String> uuids() throws Exception {
    return store.list().stream().map(StoredDump::uuid).toList();
  }
}
