package dev.coroner.cli.k8s;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.controller.Controller;
import dev.coroner.controller.audit.AuditLog;
import dev.coroner.controller.config.ControllerConfig;
import dev.coroner.dump.DumpInfo;
import dev.coroner.kube.api.CoreDump;
import dev.coroner.kube.api.CoreDumpDownload;
import dev.coroner.kube.api.CoreDumps;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.VerifiedUploads;
import dev.coroner.store.archive.DumpArchive;
import dev.coroner.store.s3.S3Options;
import dev.coroner.store.s3.S3Store;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Cluster mode end to end through the command line: {@code coroner --store k8s} run as its own
 * process whose environment holds no AWS variable at all, only a kubeconfig. A dump the real
 * composer wrote is in a real S3 server (s3proxy), its CoreDump created as the agent creates it,
 * and the real controller runs in this JVM with the bucket's credentials and answers the CLI's
 * download requests. Kubernetes' API server cannot run on this machine, so fabric8's mock server
 * stands in for it: CRUD with the chart's CRDs created in it, plus expectations for what CRUD
 * cannot do (a SelfSubjectReview's answer, an exec, a 403); the test plays the kubelet.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class ClusterModeIT {
  private static final String ME = "alice@example.com";
  private static final String V8_BT = " * thread #1: tid = 8, node`v8::base::OS::Abort() + 9\n";

  @RegisterExtension
  final S3ProxyExtension s3 =
      S3ProxyExtension.builder()
          .withCredentials("cluster-access", "cluster-secret")
          .ignoreUnknownHeaders()
          .build();

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path tmp;
  private Path zip;
  private DumpInfo info;
  private CoreDump dump;
  private Path kubeconfig;
  private S3Store bucket;
  private Controller controller;
  private final List<String> audit = new CopyOnWriteArrayList<>();
  private final ExecutorService kubelet = Executors.newSingleThreadExecutor();

  @BeforeEach
  void aDumpItsCoreDumpAndTheController() throws Exception {
    System.setProperty("aws.accessKeyId", s3.getAccessKey());
    System.setProperty("aws.secretAccessKey", s3.getSecretKey());
    KubernetesSerialization yaml = new KubernetesSerialization();
    for (String crd : List.of("coredumps.coroner.dev.yaml", "coredumpdownloads.coroner.dev.yaml")) {
      client
          .resource(
              yaml.unmarshal(
                  Files.readString(Path.of("../charts/coroner/crds", crd)),
                  CustomResourceDefinition.class))
          .create();
    }
    // Who the API server says the user is: what CRUD mode cannot answer.
    server
        .expect()
        .post()
        .withPath("/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .andReturn(
            201,
            "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\",\"status\":{\"userInfo\":{\"username\":\""
                + ME
                + "\",\"groups\":[\"shop-oncall\",\"system:authenticated\"]}}}")
        .always();
    zip = ComposedDump.compose(tmp, 1 << 20, "zstd");
    info = asNodeInShop(zip);
    try (var admin =
        S3Client.builder()
            .endpointOverride(s3.getUri())
            .region(software.amazon.awssdk.regions.Region.US_EAST_1)
            .forcePathStyle(true)
            .build()) {
      admin.createBucket(b -> b.bucket("crashes"));
    }
    bucket =
        S3Store.open(URI.create("s3://crashes/prod"), S3Options.defaults(s3.getUri(), null, true));
    VerifiedUploads.Uploaded up = bucket.verifiedUploads().orElseThrow().upload(zip, info);
    dump =
        client
            .resource(
                CoreDumps.of(
                    info,
                    new CoreDumps.Origin(
                        bucket.url(), (DumpLocation.StoredObject) up.location(), up.size()),
                    "shop",
                    new CoreDumps.Workload("Deployment", "web")))
            .create();
    controller =
        new Controller(
            new ControllerConfig(
                URI.create("s3://crashes/prod"),
                S3Options.defaults(s3.getUri(), null, true),
                Duration.ofMinutes(10),
                Duration.ZERO,
                Duration.ofHours(1),
                "coroner",
                "coroner",
                "test",
                "coroner-controller",
                false,
                0),
            client,
            bucket,
            new AuditLog(audit::add, Clock.systemUTC()),
            Clock.systemUTC());
    controller.lead();
    kubeconfig = MockKubeconfig.write(tmp, server);
  }

  @AfterEach
  void stop() {
    kubelet.shutdownNow();
    controller.close();
    bucket.close();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @Test
  void listInfoAndGetWithOnlyAKubeconfig() throws Exception {
    Run list = coroner("list", "--store", "k8s");
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(list.out()).contains("shop/web-5d8f7c9b6-x2x7q").contains("SIGABRT");

    Run elsewhere = coroner("list", "--store", "k8s", "-n", "other");
    assertThat(elsewhere.code()).as(elsewhere.err()).isZero();
    assertThat(elsewhere.out()).isEmpty();
    assertThat(elsewhere.err()).contains("No dumps in k8s://mock (namespace other)");

    Run all = coroner("list", "--store", "k8s://mock", "-A", "-o", "name");
    assertThat(all.out().strip()).isEqualTo(info.name());

    Run described = coroner("info", "latest", "--store", "k8s");
    assertThat(described.code()).as(described.err()).isZero();
    assertThat(described.out())
        .contains("k8s://shop/coredumps/" + info.uuid())
        .contains("Pod:           shop/web-5d8f7c9b6-x2x7q")
        .contains(info.core().sha256());

    Run got =
        coroner(
            "get",
            info.uuid().substring(0, 8),
            "--store",
            "k8s",
            "-d",
            tmp.resolve("here").toString());
    assertThat(got.code()).as(got.err()).isZero();
    assertThat(got.out()).contains("sha256 verified: " + info.core().sha256());
    assertThat(tmp.resolve("here").resolve(info.name() + ".zip")).hasSameBinaryContentAs(zip);

    // The request named this user and carried a key; the controller's answer holds only the
    // sealed URL, and its audit line names the requester.
    List<CoreDumpDownload> requests =
        client.resources(CoreDumpDownload.class).inNamespace("shop").list().getItems();
    assertThat(requests).hasSize(1);
    CoreDumpDownload request = requests.get(0);
    assertThat(request.getSpec().requester()).isEqualTo(ME);
    assertThat(request.getSpec().coreDump()).isEqualTo(info.uuid());
    assertThat(request.getSpec().publicKey()).startsWith("age1");
    assertThat(request.getStatus().url()).isNull();
    assertThat(request.getStatus().encryptedUrl()).startsWith("-----BEGIN AGE ENCRYPTED FILE-----");
    assertThat(audit)
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"requester\":\"" + ME + "\"")
                    .contains("\"decision\":\"signed\""));
  }

  @Test
  void debugInAPodGetsItsUrlFromTheController() throws Exception {
    AtomicReference<Pod> created = new AtomicReference<>();
    try (Watch watch = playKubelet(created)) {
      Run r = coroner("debug", "latest", "--store", "k8s", "--k8s", "--batch", "-o", "v8 bt");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).isEqualTo(V8_BT);
      assertThat(r.err()).contains("in lldb in the cluster").contains("Deleted pod shop/");
    }
    String url =
        created.get().getSpec().getInitContainers().stream()
            .filter(c -> c.getName().equals("fetch"))
            .flatMap(c -> c.getEnv().stream())
            .filter(e -> e.getName().equals("DUMP_URL"))
            .map(EnvVar::getValue)
            .findFirst()
            .orElseThrow();
    assertThat(url).contains("X-Amz-Expires=600");
    Process curl =
        new ProcessBuilder("curl", "-fsS", "-o", tmp.resolve("pod.zip").toString(), url).start();
    assertThat(curl.waitFor(30, SECONDS)).isTrue();
    assertThat(curl.exitValue()).isZero();
    assertThat(tmp.resolve("pod.zip")).hasSameBinaryContentAs(zip);
  }

  @Test
  void rmDeletesTheCoreDumpAndTheControllerItsObject() throws Exception {
    Run r = coroner("rm", info.uuid(), "--store", "k8s");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("removed " + info.name())
        .contains("controller deletes its object");
    await()
        .atMost(15, SECONDS)
        .until(
            () ->
                client.resources(CoreDump.class).inNamespace("shop").withName(info.uuid()).get()
                    == null);
    assertThat(bucket.list()).isEmpty();
  }

  @Test
  void aForbiddenVerbIsNamedWithTheRoleThatGrantsIt() throws Exception {
    server
        .expect()
        .get()
        .withPath("/apis/coroner.dev/v1/namespaces/shop/coredumps")
        .andReturn(
            403,
            new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage(
                    "coredumps.coroner.dev is forbidden: User \""
                        + ME
                        + "\" cannot list resource \"coredumps\" in API group \"coroner.dev\" in the namespace \"shop\"")
                .build())
        .once();
    Run r = coroner("list", "--store", "k8s");
    assertThat(r.code()).isEqualTo(4);
    assertThat(r.err())
        .contains("forbidden to list coredumps.coroner.dev in namespace shop")
        .contains("kubectl auth can-i list coredumps.coroner.dev -n shop")
        .contains("coroner-dump-viewer");

    server
        .expect()
        .post()
        .withPath("/apis/coroner.dev/v1/namespaces/shop/coredumpdownloads")
        .andReturn(
            403,
            new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage("cannot create")
                .build())
        .always();
    Run get = coroner("get", "latest", "--store", "k8s", "-d", tmp.toString());
    assertThat(get.code()).isEqualTo(4);
    assertThat(get.err())
        .contains("forbidden to create coredumpdownloads.coroner.dev in namespace shop")
        .contains("coroner-dump-debugger");
  }

  /** The CLI as its own process: no AWS variable, no AWS system property, only the kubeconfig. */
  private Run coroner(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.coroner.cli.Main"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", System.getenv("PATH"));
    env.put("HOME", tmp.toString());
    env.put("KUBECONFIG", kubeconfig.toString());
    Process p = pb.start();
    var out =
        Executors.newSingleThreadExecutor()
            .submit(() -> new String(p.getInputStream().readAllBytes()));
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out.get(), err);
  }

  record Run(int code, String out, String err) {}

  private Watch playKubelet(AtomicReference<Pod> created) {
    return client
        .pods()
        .inNamespace("shop")
        .watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, Pod pod) {
                if (action == Action.ADDED && created.compareAndSet(null, pod)) {
                  kubelet.submit(() -> start(pod));
                }
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
  }

  private void start(Pod pod) {
    String name = pod.getMetadata().getName();
    server
        .expect()
        .get()
        .withPath(
            "/api/v1/namespaces/shop/pods/"
                + name
                + "/exec?command=rundebug.sh&command=--batch&command=-o&command=v8%20bt&container=debug&stdout=true&stderr=true")
        .andUpgradeToWebSocket()
        .open()
        .waitFor(10)
        .andEmit(new OutputStreamMessage(V8_BT))
        .waitFor(10)
        .andEmit(new StatusStreamMessage(0))
        .done()
        .always();
    Kubelet k = new Kubelet(client, "shop", name);
    k.scheduled("node-1");
    k.initRunning("exe");
    k.initRunning("fetch");
    k.ready();
  }

  /** The composed dump as the agent uploads it: a node process in pod shop/web. */
  private static DumpInfo asNodeInShop(Path zip) throws Exception {
    try (DumpArchive archive = DumpArchive.open(zip)) {
      DumpInfo c = archive.info();
      DumpInfo.ProcessInfo p = c.process();
      return new DumpInfo(
              c.schemaVersion(),
              c.uuid(),
              c.name(),
              c.timestamp(),
              c.hostname(),
              c.nodeHostname(),
              new DumpInfo.ProcessInfo(
                  "node",
                  "/usr/bin/node",
                  List.of("node", "index.js"),
                  p.pid(),
                  p.hostPid(),
                  p.tid(),
                  p.hostTid(),
                  p.uid(),
                  p.gid(),
                  p.signal(),
                  "ab".repeat(32),
                  p.coreLimit(),
                  p.pidfdVerified()),
              null,
              c.core(),
              c.integrity(),
              c.files(),
              c.composer())
          .withPod(Fixtures.pod());
    }
  }
}
