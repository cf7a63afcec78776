package dev.coroner.agent.kube;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import dev.coroner.kube.api.CoreDump;
import dev.coroner.kube.api.CoronerApi;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.VerifiedUploads;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * CoreDumps created after verified uploads, in the crashed pod's own namespace. Kubernetes' API
 * server cannot run on this machine, so this uses fabric8's mock server in CRUD mode for that one
 * boundary.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class CoreDumpPublisherTest {
  private static final String STORE = "s3://crashes/prod/";

  KubernetesMockServer server;
  KubernetesClient client;

  private final List<CoreDumpPublisher.Result> results = new CopyOnWriteArrayList<>();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(CoreDumpPublisher.class);

  @BeforeEach
  void captureLogs() {
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    logger.detachAppender(logs);
  }

  @Test
  void twoPodsNamedWebInTwoNamespacesEachGetTheirOwn() {
    // shop/web belongs to a Deployment (through its ReplicaSet); lab/web has no owner.
    client
        .pods()
        .inNamespace("shop")
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName("web")
                .withNamespace("shop")
                .withLabels(Map.of("pod-template-hash", "5d8f7c9b6"))
                .withOwnerReferences(
                    new OwnerReferenceBuilder()
                        .withKind("ReplicaSet")
                        .withName("web-5d8f7c9b6")
                        .withController(true)
                        .build())
                .endMetadata()
                .build())
        .create();
    DumpInfo shop = dump("shop", "web");
    DumpInfo lab = dump("lab", "web");
    DumpInfo host = dump(null, null);
    try (CoreDumpPublisher p = publisher(client)) {
      p.uploaded(shop, uploaded(shop, "prod/shop/"));
      p.uploaded(lab, uploaded(lab, "prod/lab/"));
      p.uploaded(host, uploaded(host, "prod/host/"));
      p.uploaded(shop, uploaded(shop, "prod/shop/")); // a second time: already there
      await().atMost(10, SECONDS).until(() -> results.size() == 4);
    }
    assertThat(results)
        .containsExactly(
            CoreDumpPublisher.Result.OK,
            CoreDumpPublisher.Result.OK,
            CoreDumpPublisher.Result.OK,
            CoreDumpPublisher.Result.EXISTS);

    CoreDump inShop = get("shop", shop.uuid());
    CoreDump inLab = get("lab", lab.uuid());
    assertThat(inShop.getSpec().pod().name()).isEqualTo("web");
    assertThat(inShop.getSpec().object().key()).startsWith("prod/shop/");
    assertThat(inShop.getSpec().object().store()).isEqualTo(STORE);
    assertThat(inShop.getMetadata().getLabels())
        .containsEntry(CoronerApi.LABEL_POD, "web")
        .containsEntry(CoronerApi.LABEL_WORKLOAD, "web")
        .containsEntry(CoronerApi.LABEL_WORKLOAD_KIND, "Deployment")
        .containsEntry(CoronerApi.LABEL_NODE, "node-1");
    assertThat(inShop.getMetadata().getFinalizers()).containsExactly(CoronerApi.FINALIZER);
    assertThat(inLab.getSpec().object().key()).startsWith("prod/lab/");
    assertThat(inLab.getMetadata().getLabels())
        .containsEntry(CoronerApi.LABEL_WORKLOAD_KIND, "pod");
    assertThat(client.resources(CoreDump.class).inNamespace("shop").list().getItems()).hasSize(1);
    assertThat(client.resources(CoreDump.class).inNamespace("lab").list().getItems()).hasSize(1);
    // A host process's dump goes to the host namespace, without pod labels.
    CoreDump onHost = get("coroner", host.uuid());
    assertThat(onHost.getSpec().pod()).isNull();
    assertThat(onHost.getMetadata().getLabels()).doesNotContainKey(CoronerApi.LABEL_POD);
  }

  @Test
  void anUnreachableApiIsLoggedOnceAndCounted() {
    try (KubernetesClient dead = DeadApis.closedPort();
        CoreDumpPublisher p = publisher(dead)) {
      for (int i = 0; i < 3; i++) {
        DumpInfo d = dump("shop", "web");
        p.uploaded(d, uploaded(d, "prod/shop/"));
      }
      await().atMost(20, SECONDS).until(() -> results.size() == 3);
    }
    assertThat(results).containsOnly(CoreDumpPublisher.Result.FAILED);
    assertThat(logs.list).hasSize(1);
    assertThat(logs.list.get(0).getFormattedMessage())
        .contains("namespace shop")
        .contains("resync creates it later")
        .doesNotContain("tok-s3cret");
  }

  private CoreDumpPublisher publisher(KubernetesClient c) {
    return new CoreDumpPublisher(c, STORE, "coroner", new PodOwners(c), results::add);
  }

  private CoreDump get(String ns, String name) {
    CoreDump d = client.resources(CoreDump.class).inNamespace(ns).withName(name).get();
    assertThat(d).as(ns + "/" + name).isNotNull();
    return d;
  }

  private static VerifiedUploads.Uploaded uploaded(DumpInfo d, String prefix) {
    return new VerifiedUploads.Uploaded(
        new DumpLocation.StoredObject("s3", "crashes", prefix + d.name() + ".zip"), 4096, "etag");
  }

  private static DumpInfo dump(String namespace, String pod) {
    String uuid = UUID.randomUUID().toString();
    return new DumpInfo(
        DumpInfo.SCHEMA_VERSION,
        uuid,
        uuid + "-node-1-web-42-11",
        1_795_770_000,
        pod == null ? "build-host" : pod,
        "node-1",
        new DumpInfo.ProcessInfo(
            "node",
            "/usr/bin/node",
            List.of("node"),
            42,
            4242,
            42,
            4242,
            0,
            0,
            11,
            null,
            "unlimited",
            true),
        namespace == null
            ? null
            : new DumpInfo.PodInfo(namespace, pod, "uid-" + namespace, "web", "web:1"),
        new DumpInfo.CoreInfo("core", Compression.NONE, 1000, 1000, "00".repeat(32), null),
        DumpInfo.Integrity.complete(),
        List.of("core"),
        new DumpInfo.ComposerInfo("test", 1, List.of()));
  }
}
