package dev.coroner.agent;

import static org.awaitility.Awaitility.await;

import dev.coroner.base.threads.DaemonThreads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The agent as its own OS process, configured by environment like a DaemonSet. Its JSON log lines
 * are collected for assertions; kill() sends SIGKILL, stop() SIGTERM.
 */
final class AgentProcess implements AutoCloseable {
  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final int port;

  private AgentProcess(Process process, int port) {
    this.process = process;
    this.port = port;
    DaemonThreads.start(
        "agent-output",
        () -> {
          try (var in = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
              // The JSON encoder escapes "/" as "\\/"; undo it for readable assertions.
              lines.add(line.replace("\\/", "/"));
            }
          } catch (IOException e) {
            // process gone
          }
        });
  }

  /** Starts an agent that uploads {@code dumps} to {@code s3://bucket} on {@code server}. */
  static AgentProcess start(S3Server server, Path dumps, String bucket, Map<String, String> extra)
      throws IOException {
    return start(server, dumps, bucket, extra, Path.of(System.getProperty("java.home")));
  }

  /** {@link #start(S3Server, Path, String, Map)} on the Java runtime at {@code javaHome}. */
  static AgentProcess start(
      S3Server server, Path dumps, String bucket, Map<String, String> extra, Path javaHome)
      throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb =
        new ProcessBuilder(
                javaHome.resolve("bin/java").toString(),
                // As bin/coroner-agent runs it: uploads must fit a small heap.
                "@" + Path.of("jvm.options").toAbsolutePath(),
                "-cp",
                // The packaged agent, as deployed: not the test class path, whose
                // logback-test.xml would silence the log lines the tests read.
                Path.of("target", "coroner-agent.jar").toAbsolutePath()
                    + ":"
                    + Path.of("target", "lib").toAbsolutePath()
                    + "/*",
                Main.class.getName(),
                "run")
            .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("MALLOC_ARENA_MAX", "2"); // as bin/coroner-agent sets it
    env.put("CORONER_STORE", "s3://" + bucket);
    env.put("AWS_ENDPOINT_URL_S3", server.uri().toString());
    env.put("AWS_REGION", "us-east-1");
    // Credentials reach the agent like in a pod: environment (from a Secret), never arguments.
    env.put("AWS_ACCESS_KEY_ID", S3Server.ACCESS);
    env.put("AWS_SECRET_ACCESS_KEY", S3Server.SECRET);
    env.put("CORONER_DUMP_DIR", dumps.toString());
    env.put("CORONER_INSTALL", "false");
    env.put("CORONER_METRICS_PORT", Integer.toString(port));
    env.put("CORONER_SWEEP_INTERVAL", "1s");
    env.put("CORONER_RETRY_BASE", "200ms");
    env.put("CORONER_RETRY_MAX", "1s");
    // TestDumps' cores are random bytes with a made-up sha256, which the scrubber refuses as
    // damaged: tests of scrubbing turn it on (CORONER_SCRUB=default).
    env.put("CORONER_SCRUB", "off");
    env.putAll(extra);
    AgentProcess agent = new AgentProcess(pb.start(), port);
    try {
      // The node setup builds the composer's runtime (jlink, AOT) on a first install: on two
      // loaded cores that alone has taken a minute.
      await()
          .atMost(Duration.ofSeconds(180))
          .until(() -> agent.ready() || !agent.process.isAlive());
    } catch (RuntimeException e) {
      agent.process.destroyForcibly();
      agent.lines.forEach(l -> System.out.println("agent (not ready): " + l));
      throw e;
    }
    return agent;
  }

  boolean ready() {
    return get("/readyz").startsWith("ready");
  }

  /** The text of /metrics. */
  String metrics() {
    return get("/metrics");
  }

  /** The value of one metric sample, e.g. {@code coroner_uploads_total{result="auth"}}, or 0. */
  double metric(String sample) {
    for (String line : metrics().split("\n")) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(sample.length() + 1).trim());
      }
    }
    return 0;
  }

  private String get(String path) {
    try {
      var response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return response.body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  List<String> log() {
    return List.copyOf(lines);
  }

  boolean logged(String text) {
    return lines.stream().anyMatch(l -> l.contains(text));
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook runs. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM: the shutdown hook runs. */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
