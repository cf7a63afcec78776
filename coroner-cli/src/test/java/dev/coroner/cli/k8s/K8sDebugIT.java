package dev.coroner.cli.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.cli.Main;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.archive.DumpArchive;
import dev.coroner.store.s3.S3Options;
import dev.coroner.store.s3.S3Store;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * {@code coroner debug DUMP --k8s --batch} end to end through the command line: a dump the real
 * composer wrote, in a real S3 server (s3proxy), opened in a debug pod. Kubernetes' API server
 * cannot run on this machine, so fabric8's mock server stands in for it: CRUD for the pod, plus one
 * expectation for the exec (the mock answers an exec only from an expectation); the test plays the
 * kubelet. The URL the pod gets is fetched with the real curl.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class K8sDebugIT {
  private static final String V8_BT =
      " * thread #1: tid = 8, node`v8::base::OS::Abort() + 9\n"
          + "    frame #6: bar(this=0x4449d40b09:<Global proxy>) at /home/node/app/index.js:12:13\n";

  @RegisterExtension
  final S3ProxyExtension s3 =
      S3ProxyExtension.builder()
          .withCredentials("k8s-access", "k8s-secret")
          .ignoreUnknownHeaders()
          .build();

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path tmp;
  private Path zip;
  private DumpInfo info;
  private Path kubeconfig;
  private final ExecutorService kubelet = Executors.newSingleThreadExecutor();

  @BeforeEach
  void dumpInS3AndAKubeconfig() throws Exception {
    System.setProperty("aws.accessKeyId", s3.getAccessKey());
    System.setProperty("aws.secretAccessKey", s3.getSecretKey());
    zip = ComposedDump.compose(tmp, 1 << 20, "zstd");
    try (DumpArchive archive = DumpArchive.open(zip)) {
      // The composer read /proc of this test's JVM, so the dump says java crashed; make it node
      // (the CLI reads dump-info from the store's sidecar, never from the zip, on this path),
      // and add the pod as the agent does at upload.
      DumpInfo composed = archive.info();
      DumpInfo.ProcessInfo p = composed.process();
      DumpInfo.ProcessInfo node =
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
              p.pidfdVerified());
      info =
          new DumpInfo(
                  composed.schemaVersion(),
                  composed.uuid(),
                  composed.name(),
                  composed.timestamp(),
                  composed.hostname(),
                  composed.nodeHostname(),
                  node,
                  null,
                  composed.core(),
                  composed.integrity(),
                  composed.files(),
                  composed.composer())
              .withPod(Fixtures.pod());
    }
    try (var admin =
            S3Client.builder()
                .endpointOverride(s3.getUri())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true)
                .build();
        S3Store store =
            S3Store.open(
                URI.create("s3://crashes/prod"), S3Options.defaults(s3.getUri(), null, true))) {
      admin.createBucket(b -> b.bucket("crashes"));
      store.verifiedUploads().orElseThrow().upload(zip, info);
    }
    kubeconfig = MockKubeconfig.write(tmp, server);
  }

  @AfterEach
  void stop() {
    kubelet.shutdownNow();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @Test
  void batchRunsInTheDumpsNamespaceAndLeavesNothingBehind() throws Exception {
    AtomicReference<Pod> created = new AtomicReference<>();
    try (Watch watch = playKubelet(created)) {
      Run r = coroner("debug", "latest", "--k8s", "--batch", "-o", "v8 bt");

      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).isEqualTo(V8_BT);
      assertThat(r.err())
          .contains("Debugging node (pid ")
          .contains("in lldb in the cluster")
          .contains("Creating debug pod shop/coroner-debug-" + info.uuid().substring(0, 8))
          .contains("context 'mock'")
          .contains("Ready")
          .contains("Deleted pod shop/");
    }
    Pod pod = created.get();
    assertThat(pod.getMetadata().getNamespace()).as("the dump's namespace").isEqualTo("shop");
    assertThat(client.pods().inNamespace("shop").list().getItems()).as("cleaned up").isEmpty();
    assertThat(pod.getSpec().getInitContainers().get(0).getImage()).isEqualTo(Fixtures.APP_DIGEST);
    assertThat(pod.getSpec().getContainers().get(0).getImage())
        .startsWith("ghcr.io/coroner-dev/coroner-debug-nodejs:");

    // The URL in the pod is a working, expiring capability for exactly this dump.
    String url = env(pod, "fetch", "DUMP_URL");
    assertThat(url).contains("X-Amz-Expires=900").doesNotContain("k8s-secret");
    Path fetched = tmp.resolve("fetched.zip");
    Process curl =
        new ProcessBuilder("curl", "-fsS", "--max-time", "20", "-o", fetched.toString(), url)
            .redirectErrorStream(true)
            .start();
    assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(curl.exitValue()).isZero();
    assertThat(fetched).hasSameBinaryContentAs(zip);
    assertThat(env(pod, "fetch", "CORE_SHA256")).isEqualTo(info.core().sha256());
  }

  @Test
  void atATerminalTheDebuggerGetsATtyAndTheTerminalIsRestored() throws Exception {
    String lldb = "(lldb) target create \"/shared/node\" --core \"/debug/core\"\r\n";
    AtomicReference<Pod> created = new AtomicReference<>();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String coroner =
        String.join(
            " ",
            java,
            "-cp",
            System.getProperty("java.class.path"),
            "-Daws.accessKeyId=" + s3.getAccessKey(),
            "-Daws.secretAccessKey=" + s3.getSecretKey(),
            "dev.coroner.cli.Main",
            "debug",
            "latest",
            "--k8s",
            "--store",
            "s3://crashes/prod",
            "--s3-endpoint",
            s3.getUri().toString(),
            "--kubeconfig",
            kubeconfig.toString());
    String output;
    int code;
    try (Watch watch =
        playKubelet(
            created,
            "command=rundebug.sh&container=debug&tty=true&stdin=true&stdout=true&stderr=true",
            lldb)) {
      // script(1) gives the CLI a pseudo-terminal, as a user's shell would; stty -a afterwards
      // shows whether raw mode was undone.
      Process p =
          new ProcessBuilder("script", "-qec", coroner + "; echo EXIT=$?; stty -a", "/dev/null")
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start();
      output = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      code = p.exitValue();
    }
    assertThat(code).as(output).isZero();
    assertThat(output)
        .contains("Ready")
        .contains("(lldb) target create")
        .contains("EXIT=0")
        .contains("Deleted pod shop/")
        .containsPattern("(?m)(^|\\s)icanon(\\s|$)")
        .containsPattern("(?m)(^|\\s)echo(\\s|$)");
    assertThat(client.pods().inNamespace("shop").list().getItems()).isEmpty();
  }

  @Test
  void dryRunPrintsThePodAndTouchesNothing() {
    Run r = coroner("debug", "latest", "--k8s", "--dry-run", "-n", "team-a", "--deadline", "2h");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("kind: \"Pod\"")
        .contains("namespace: \"team-a\"")
        .contains("activeDeadlineSeconds: 7200")
        .contains("https://presigned-url.invalid/signed-at-creation")
        .doesNotContain("X-Amz");
    assertThat(client.pods().inAnyNamespace().list().getItems()).isEmpty();
  }

  @Test
  void usageErrorsSayWhatToDo() {
    Run noTerminal = coroner("debug", "latest", "--k8s");
    assertThat(noTerminal.code()).isEqualTo(2);
    assertThat(noTerminal.err()).contains("no terminal").contains("--batch -o CMD");

    Run longUrl = coroner("debug", "latest", "--k8s", "--batch", "-o", "bt", "--url-ttl", "2h");
    assertThat(longUrl.code()).isEqualTo(2);
    assertThat(longUrl.err()).contains("--url-ttl must be between 1s and 1h");

    Run shortUrl = coroner("debug", "latest", "--k8s", "--batch", "-o", "bt", "--url-ttl", "1m");
    assertThat(shortUrl.code()).isEqualTo(2);
    assertThat(shortUrl.err()).contains("must be at least --wait (5m)");

    Run noK8s = coroner("debug", "latest", "--context", "mock", "--batch", "-o", "bt");
    assertThat(noK8s.code()).isEqualTo(2);
    assertThat(noK8s.err()).contains("--context needs --k8s");

    Run local = run("debug", "latest", "--k8s", "--store", tmp.toString(), "--batch", "-o", "bt");
    assertThat(local.code()).isEqualTo(2);
    assertThat(local.err()).contains("--k8s needs the dumps in object storage");

    assertThat(client.pods().inAnyNamespace().list().getItems()).isEmpty();
  }

  /**
   * Plays the kubelet: when the debug pod appears, it answers its exec (the name is random, so the
   * expectation is added then) and reports it ready.
   */
  private Watch playKubelet(AtomicReference<Pod> created) {
    return playKubelet(
        created,
        "command=rundebug.sh&command=--batch&command=-o&command=v8%20bt"
            + "&container=debug&stdout=true&stderr=true",
        V8_BT);
  }

  private Watch playKubelet(AtomicReference<Pod> created, String execQuery, String output) {
    return client
        .pods()
        .inNamespace("shop")
        .watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, Pod pod) {
                if (action == Action.ADDED && created.compareAndSet(null, pod)) {
                  kubelet.submit(() -> start(pod, execQuery, output));
                }
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
  }

  private void start(Pod pod, String execQuery, String output) {
    String name = pod.getMetadata().getName();
    server
        .expect()
        .get()
        .withPath("/api/v1/namespaces/shop/pods/" + name + "/exec?" + execQuery)
        .andUpgradeToWebSocket()
        .open()
        .waitFor(10)
        .andEmit(new OutputStreamMessage(output))
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

  private static String env(Pod pod, String container, String name) {
    return pod.getSpec().getInitContainers().stream()
        .filter(c -> c.getName().equals(container))
        .flatMap(c -> c.getEnv().stream())
        .filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow();
  }

  record Run(int code, String out, String err) {}

  private Run coroner(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--store",
            "s3://crashes/prod",
            "--s3-endpoint",
            s3.getUri().toString(),
            "--kubeconfig",
            kubeconfig.toString()));
    return run(all.toArray(String[]::new));
  }

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            args,
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            Map.of("HOME", tmp.toString()));
    return new Run(code, out.toString(), err.toString());
  }
}
