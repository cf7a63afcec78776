package dev.coroner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.KernelSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The whole cluster path on one machine: the agent installs the composer into a temporary "host"
 * directory, the example app crashes on the real kernel, the dump reaches a real S3 server (s3proxy
 * on loopback) with its metadata, and the real CLI lists it and opens it in lldb + llnode. The
 * kernel settings found at the start are restored whatever happens.
 */
class AgentEndToEndIT {
  @Test
  void aCrashReachesTheBucketAndTheCliDebugsIt() throws Exception {
    KernelSettings saved = KernelSettings.read(InstallOptions.PROC_SYS);
    Path tmp = Files.createTempDirectory(Path.of("/tmp"), "e2e");
    try (S3Server s3 = new S3Server(Files.createDirectory(tmp.resolve("blobs")));
        S3Client admin = s3.client()) {
      admin.createBucket(b -> b.bucket("crashes"));
      AgentProcess agent =
          AgentProcess.start(
              s3,
              tmp.resolve("dumps"),
              "crashes",
              Map.of(
                  "CORONER_INSTALL", "true",
                  "CORONER_PREFIX", tmp.resolve("p").toString(),
                  "CORONER_RESTORE_ON_STOP", "true"));
      try {
        assertThat(agent.ready()).as(String.join("\n", agent.log())).isTrue();
        assertThat(KernelSettings.read(InstallOptions.PROC_SYS).corePattern())
            .startsWith("|" + tmp.resolve("p/composer"));

        Process node =
            new ProcessBuilder("node", "--abort-on-uncaught-exception", "index.js")
                .directory(Path.of("..", "examples", "crashing-nodejs-app").toFile())
                .redirectErrorStream(true)
                .start();
        node.getInputStream().readAllBytes();
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        long pid = node.pid();

        String[] list = {
          "list", "-o", "json", "--store", "s3://crashes", "--s3-endpoint", s3.uri().toString()
        };
        System.setProperty("aws.accessKeyId", S3Server.ACCESS);
        System.setProperty("aws.secretAccessKey", S3Server.SECRET);
        await()
            .atMost(Duration.ofSeconds(90))
            .until(() -> cli(list).contains("\"host_pid\" : " + pid));
        var rows = new ObjectMapper().readTree(cli(list));
        var row = rows.get(0);
        assertThat(row.get("signal").asInt()).isEqualTo(5);
        assertThat(row.get("exe").asText()).isEqualTo("node");
        assertThat(row.get("location").asText()).startsWith("s3://crashes/host/");
        // Listed as soon as the object is written; deleted locally after the verifying HEAD.
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  try (var files = Files.list(tmp.resolve("dumps"))) {
                    assertThat(files.filter(p -> p.toString().endsWith(".zip")).toList())
                        .as("uploaded dumps are gone locally")
                        .isEmpty();
                  }
                });

        String bt =
            cli(
                "debug",
                row.get("name").asText(),
                "--store",
                "s3://crashes",
                "--s3-endpoint",
                s3.uri().toString(),
                "--cache-dir",
                tmp.resolve("cache").toString(),
                "--batch",
                "-o",
                "v8 bt");
        assertThat(bt).contains("bar(").contains("foo(").contains("hello world");

        // The JVM reports 128 + SIGTERM after running the shutdown hook that restores the node.
        assertThat(agent.stop()).isEqualTo(143);
        assertThat(KernelSettings.read(InstallOptions.PROC_SYS))
            .as("SIGTERM restores")
            .isEqualTo(saved);
      } finally {
        agent.close();
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
      }
    } finally {
      if (!KernelSettings.read(InstallOptions.PROC_SYS).equals(saved)) {
        saved.write(InstallOptions.PROC_SYS);
      }
      new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  private static String cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        dev.coroner.cli.Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(code).as(err.toString()).isZero();
    return out.toString();
  }
}
