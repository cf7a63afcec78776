package dev.coroner.controller;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.kube.api.CoreDump;
import dev.coroner.kube.api.CoreDumpDownload;
import dev.coroner.kube.api.CoreDumpDownloadStatus;
import dev.coroner.kube.seal.Age;
import dev.coroner.kube.seal.AgeException;
import dev.coroner.kube.seal.AgeIdentity;
import dev.coroner.store.s3.S3Store;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The controller answering download requests, on real parts where they run here: a real S3 server
 * (s3proxy, in-process) holds the dump and the real curl fetches the URLs. Kubernetes' API server
 * cannot run on this machine, so fabric8's mock server stands in for it, in CRUD mode with the
 * chart's CRDs created in it (CoreDumpDownload's status is a subresource there too).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class DownloadControllerIT {
  private static final Duration TTL = Duration.ofSeconds(3);

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
  private Controller controller;
  private ControllerFixture.Audit audit;
  private CoreDump dump;
  private Path zip;

  @BeforeEach
  void dumpInTheBucketAndItsCoreDump() throws Exception {
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
    zip = Fixtures.dump(tmp.resolve("dumps"), "shop", "web-5d8f7c9b6-x2x7q", 200_000);
    dump = Fixtures.upload(store, client, zip, ControllerFixture.HOST_NAMESPACE);
    audit = ControllerFixture.Audit.kept();
    controller =
        new Controller(
            ControllerFixture.config(s3, TTL, Duration.ZERO),
            client,
            store,
            audit.log(),
            Clock.systemUTC());
    controller.lead();
  }

  @AfterEach
  void stop() {
    controller.close();
    store.close();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @Test
  void aRequestGetsAUrlThatCurlFetchesUntilItExpiresAndThenTheRequestGoes() throws Exception {
    Instant asked = Instant.now();
    client
        .resource(Fixtures.request("shop", "alice-1", name(dump), "alice@example.com", null))
        .create();

    CoreDumpDownloadStatus status = answer("shop", "alice-1");
    assertThat(status.phase()).isEqualTo(CoreDumpDownloadStatus.READY);
    assertThat(status.encryptedUrl()).isNull();
    assertThat(Instant.parse(status.expiresAt()))
        .isBetween(asked.minusSeconds(1), Instant.now().plus(TTL).plusSeconds(1));
    URI url = URI.create(status.url());
    assertThat(url.getQuery()).contains("X-Amz-Expires=3");

    Path fetched = tmp.resolve("fetched.zip");
    assertThat(Curl.get(url, fetched)).isEqualTo(200);
    assertThat(Files.readAllBytes(fetched)).isEqualTo(Files.readAllBytes(zip));

    // s3proxy checks X-Amz-Expires: once past it, the same URL is refused.
    await()
        .atMost(15, SECONDS)
        .pollInterval(500, TimeUnit.MILLISECONDS)
        .until(() -> Curl.get(url, tmp.resolve("late")) == 403);
    await()
        .atMost(15, SECONDS)
        .until(
            () ->
                client
                        .resources(CoreDumpDownload.class)
                        .inNamespace("shop")
                        .withName("alice-1")
                        .get()
                    == null);

    JsonNode line = auditLine("signed");
    assertThat(line.get("audit").asText()).isEqualTo("coroner.dev/v1");
    assertThat(line.get("action").asText()).isEqualTo("download");
    assertThat(line.get("requester").asText()).isEqualTo("alice@example.com");
    assertThat(line.get("namespace").asText()).isEqualTo("shop");
    assertThat(line.get("coreDump").asText()).isEqualTo(name(dump));
    assertThat(line.get("request").asText()).isEqualTo("alice-1");
    assertThat(line.get("encrypted").asBoolean()).isFalse();
    assertThat(audit.lines()).noneMatch(l -> l.contains("X-Amz") || l.contains("Signature"));
  }

  @Test
  void anEncryptedUrlOpensOnlyWithTheRequestersKey() throws Exception {
    AgeIdentity key = AgeIdentity.generate();
    client
        .resource(Fixtures.request("shop", "bob-1", name(dump), "bob", key.recipient().toString()))
        .create();

    CoreDumpDownloadStatus status = answer("shop", "bob-1");
    assertThat(status.phase()).isEqualTo(CoreDumpDownloadStatus.READY);
    assertThat(status.url()).as("no plain URL beside the sealed one").isNull();
    assertThat(status.encryptedUrl())
        .startsWith("-----BEGIN AGE ENCRYPTED FILE-----")
        .doesNotContain("X-Amz");
    assertThatThrownBy(() -> Age.decrypt(status.encryptedUrl(), AgeIdentity.generate()))
        .isInstanceOf(AgeException.class);

    URI url =
        URI.create(new String(Age.decrypt(status.encryptedUrl(), key), StandardCharsets.UTF_8));
    Path fetched = tmp.resolve("fetched.zip");
    assertThat(Curl.get(url, fetched)).isEqualTo(200);
    assertThat(Files.readAllBytes(fetched)).isEqualTo(Files.readAllBytes(zip));

    // The real age opens it with the same key, as a user with age-keygen's key would.
    if (Files.isExecutable(Path.of("/usr/bin/age"))) {
      Path keyFile = tmp.resolve("key.txt");
      Files.writeString(keyFile, key.encode() + "\n");
      Path sealed = tmp.resolve("url.age");
      Files.writeString(sealed, status.encryptedUrl());
      Process age =
          new ProcessBuilder("age", "-d", "-i", keyFile.toString(), sealed.toString()).start();
      assertThat(new String(age.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo(url.toString());
      assertThat(age.waitFor(30, SECONDS)).isTrue();
    }
    assertThat(auditLine("signed").get("encrypted").asBoolean()).isTrue();
  }

  @Test
  void aDumpOfAnotherNamespaceOrABadKeyIsRefusedAndSaysWhy() throws Exception {
    client.resource(Fixtures.request("other", "eve-1", name(dump), "eve", null)).create();
    client
        .resource(Fixtures.request("shop", "carol-1", name(dump), "carol", "age1notakey"))
        .create();

    CoreDumpDownloadStatus elsewhere = answer("other", "eve-1");
    assertThat(elsewhere.phase()).isEqualTo(CoreDumpDownloadStatus.FAILED);
    assertThat(elsewhere.reason()).isEqualTo(CoreDumpDownloadStatus.NOT_FOUND);
    assertThat(elsewhere.message()).contains("no CoreDump '" + name(dump) + "' in namespace other");
    assertThat(elsewhere.url()).isNull();

    CoreDumpDownloadStatus badKey = answer("shop", "carol-1");
    assertThat(badKey.reason()).isEqualTo(CoreDumpDownloadStatus.BAD_KEY);
    assertThat(badKey.message()).contains("spec.publicKey").contains("age1");

    JsonNode refused = auditLine("refused");
    assertThat(refused.get("requester").asText()).isIn("eve", "carol");
    assertThat(audit.lines()).noneMatch(l -> l.contains("\"signed\""));
  }

  private CoreDumpDownloadStatus answer(String ns, String name) {
    return await()
        .atMost(15, SECONDS)
        .until(
            () -> {
              CoreDumpDownload d =
                  client.resources(CoreDumpDownload.class).inNamespace(ns).withName(name).get();
              return d == null ? null : d.getStatus();
            },
            s -> s != null && s.answered());
  }

  private JsonNode auditLine(String decision) throws Exception {
    List<JsonNode> lines =
        audit.lines().stream()
            .map(DownloadControllerIT::parse)
            .filter(n -> n.get("decision").asText().equals(decision))
            .toList();
    assertThat(lines).as(audit.lines().toString()).isNotEmpty();
    return lines.get(0);
  }

  private static JsonNode parse(String line) {
    try {
      return new ObjectMapper().readTree(line);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + line, e);
    }
  }

  private static String name(CoreDump d) {
    return d.getMetadata().getName();
  }
}
