package dev.coroner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The agent as a separate OS process against a real S3 server on loopback (s3proxy in this JVM):
 * nothing is deleted before the object is verified, nothing is lost across outages and kills.
 */
class AgentIT {
  @TempDir Path tmp;
  private S3Server s3;
  private S3Client admin;
  private Path dumps;

  @BeforeEach
  void server() throws Exception {
    s3 = new S3Server(Files.createDirectory(tmp.resolve("blobs")));
    admin = s3.client();
    admin.createBucket(b -> b.bucket("crashes"));
    dumps = tmp.resolve("dumps");
  }

  @AfterEach
  void stop() throws Exception {
    admin.close();
    s3.close();
  }

  @Test
  void aOneGibDumpIsUploadedVerifiedAndThenRemovedLocally() throws Exception {
    var dump = TestDumps.write(dumps, 1L << 30, 11);
    try (AgentProcess agent = AgentProcess.start(s3, dumps, "crashes", Map.of())) {
      await().atMost(Duration.ofMinutes(4)).until(() -> !Files.exists(dump.zip()));
      // The local file goes right after verification; the log line and metrics follow it.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  agent.metric("coroner_uploads_total{result=\"ok\"}") == 1
                      && agent.logged(
                          "uploaded and verified s3://crashes/host/" + dump.name() + ".zip"));
      assertThat(agent.metric("coroner_upload_bytes_total")).isEqualTo(dump.size());
    }
    String key = "host/" + dump.name() + ".zip";
    assertThat(admin.headObject(b -> b.bucket("crashes").key(key)).contentLength())
        .isEqualTo(dump.size());
    try (var in = admin.getObject(b -> b.bucket("crashes").key(key))) {
      assertThat(TestDumps.sha256(in)).isEqualTo(dump.sha256());
    }
  }

  @Test
  void anOutageLosesNothingAndDuplicatesNothing() throws Exception {
    try (AgentProcess agent = AgentProcess.start(s3, dumps, "crashes", Map.of())) {
      s3.stop();
      List<TestDumps.Written> written = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        written.add(TestDumps.write(dumps, 64 << 10, 6));
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> agent.metric("coroner_uploads_total{result=\"network\"}") >= 1);
      assertThat(Files.list(dumps).count()).as("nothing deleted during the outage").isEqualTo(50);
      s3.start();
      await().atMost(Duration.ofMinutes(2)).until(() -> Files.list(dumps).findAny().isEmpty());
      List<S3Object> objects =
          admin.listObjectsV2Paginator(b -> b.bucket("crashes")).contents().stream().toList();
      Set<String> zips =
          objects.stream()
              .map(S3Object::key)
              .filter(k -> k.endsWith(".zip"))
              .collect(Collectors.toSet());
      assertThat(objects.stream().filter(o -> o.key().endsWith(".zip")).count()).isEqualTo(50);
      for (TestDumps.Written w : written) {
        String key = "host/" + w.name() + ".zip";
        assertThat(zips).contains(key);
        try (var in = admin.getObject(b -> b.bucket("crashes").key(key))) {
          assertThat(TestDumps.sha256(in)).as(key).isEqualTo(w.sha256());
        }
      }
    }
  }

  @Test
  void killedThreeTimesMidUploadTheDumpStillArrivesWhole() throws Exception {
    var dump = TestDumps.write(dumps, 400L << 20, 11);
    for (int i = 0; i < 3; i++) {
      try (AgentProcess agent =
          AgentProcess.start(
              s3,
              dumps,
              "crashes",
              Map.of("CORONER_S3_PART_SIZE", "8M", "CORONER_S3_PARALLELISM", "1"))) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> agent.logged("uploading " + dump.name()));
        agent.kill();
      }
      assertThat(dump.zip()).as("the dump survives a kill mid-upload").exists();
    }

    try (AgentProcess agent = AgentProcess.start(s3, dumps, "crashes", Map.of())) {
      await().atMost(Duration.ofMinutes(3)).until(() -> !Files.exists(dump.zip()));
    }
    assertThat(Files.list(dumps).toList()).as("nothing left locally").isEmpty();
    String key = "host/" + dump.name() + ".zip";
    try (var in = admin.getObject(b -> b.bucket("crashes").key(key))) {
      assertThat(TestDumps.sha256(in)).isEqualTo(dump.sha256());
    }
  }

  @Test
  void partialFilesAreNeverUploaded() throws Exception {
    Files.createDirectories(dumps);
    Path partial = Files.write(dumps.resolve("0000-dump-in-progress.zip.partial"), new byte[4096]);
    try (AgentProcess agent = AgentProcess.start(s3, dumps, "crashes", Map.of())) {
      var later = TestDumps.write(dumps, 1 << 20, 6);
      await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(later.zip()));
      // Sweeps run every second: the partial must stay put and stay out of the bucket through
      // several of them.
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  Files.exists(partial)
                      && admin.listObjectsV2(b -> b.bucket("crashes")).contents().stream()
                          .noneMatch(o -> o.key().contains("in-progress")));
    }
  }

  @Test
  void badCredentialsKeepTheFileAndCountTheFailure() throws Exception {
    var dump = TestDumps.write(dumps, 1 << 20, 6);
    try (AgentProcess agent =
        AgentProcess.start(
            s3, dumps, "crashes", Map.of("AWS_SECRET_ACCESS_KEY", "not-the-secret"))) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> agent.metric("coroner_uploads_total{result=\"auth\"}") >= 1);
      assertThat(dump.zip()).exists();
      assertThat(agent.log())
          .anySatisfy(l -> assertThat(l).contains("access denied").contains("the file is kept"));
      assertThat(String.join("\n", agent.log()))
          .doesNotContain("not-the-secret")
          .doesNotContain(S3Server.SECRET);
      assertThat(agent.metric("coroner_backlog_dumps")).isEqualTo(1);
    }
  }

  @Test
  void aMissingBucketKeepsTheFileAndCountsTheFailure() throws Exception {
    var dump = TestDumps.write(dumps, 1 << 20, 6);
    try (AgentProcess agent = AgentProcess.start(s3, dumps, "no-such-bucket", Map.of())) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> agent.metric("coroner_uploads_total{result=\"bucket\"}") >= 1);
      assertThat(dump.zip()).exists();
      assertThat(agent.log())
          .anySatisfy(
              l ->
                  assertThat(l)
                      .contains("s3://no-such-bucket/ does not exist")
                      .contains("create the bucket, or correct CORONER_STORE (chart: store.url)"));
    }
  }
}
