package dev.coroner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.dump.DumpInfo;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.KernelSettings;
import dev.coroner.store.archive.DumpArchive;
import dev.coroner.testkit.KernelLock;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Issue 17 end to end on real parts: the agent installs the composer, real programs crash on the
 * real kernel (the seed's Node.js app, a changed app that throws from another function, a C
 * program's segfault), and each dump reaches s3proxy analyzed, with its executable and libraries
 * kept once per build. Then the real CLI lists the CRASH column, groups the ten dumps of three
 * bugs, and debugs a dump whose executable has been deleted from where the dump says it was.
 */
class AgentAnalysisIT {
  private static final Path EXAMPLE =
      Path.of("..", "examples", "crashing-nodejs-app").toAbsolutePath().normalize();
  private static final Pattern ANALYZED = Pattern.compile("analyzed (\\S+) in (\\d+) ms");

  private final List<Process> started = new ArrayList<>();

  @Test
  void crashesAreSignedGroupedAndDebuggableFromWhatTheStoreKept() throws Exception {
    assertThat(ProcessHandle.current().info().user())
        .as("kernel tests run as root")
        .contains("root");
    try (KernelLock lock = KernelLock.acquire()) {
      KernelSettings saved = KernelSettings.read(InstallOptions.PROC_SYS);
      Path tmp = Files.createTempDirectory(Path.of("/tmp"), "analysis");
      try {
        run(tmp);
      } finally {
        started.forEach(Process::destroyForcibly);
        if (!KernelSettings.read(InstallOptions.PROC_SYS).equals(saved)) {
          saved.write(InstallOptions.PROC_SYS);
        }
        new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor(60, TimeUnit.SECONDS);
      }
    }
  }

  private void run(Path tmp) throws Exception {
    // The programs live where this test can delete them afterwards, as an image can go.
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path node = Files.copy(Path.of("/usr/bin/node"), bin.resolve("node"));
    Files.setPosixFilePermissions(node, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path seed = Files.createDirectories(tmp.resolve("app"));
    Files.copy(EXAMPLE.resolve("index.js"), seed.resolve("index.js"));
    Path changed = Files.createDirectories(tmp.resolve("changed"));
    String source = Files.readString(EXAMPLE.resolve("index.js"));
    Files.writeString(
        changed.resolve("index.js"),
        source.replace("  bar(input);\n", "  throw \"Boom in foo\";\n"));
    Path c = Files.createDirectories(tmp.resolve("c"));
    Files.writeString(
        c.resolve("segv.c"),
        """
        __attribute__((noinline)) void crash_write(int *p) { *p = 42; }
        __attribute__((noinline)) void handle(int *p) { crash_write(p); __asm__ volatile(""); }
        int main(void) { handle(0); return 0; }
        """);
    exec(c, "gcc", "-g", "-O0", "-o", "segv", "segv.c");
    Path segv = c.resolve("segv");

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
      System.setProperty("aws.accessKeyId", S3Server.ACCESS);
      System.setProperty("aws.secretAccessKey", S3Server.SECRET);
      try {
        assertThat(agent.ready()).as(String.join("\n", agent.log())).isTrue();
        String[] store = {"--store", "s3://crashes", "--s3-endpoint", s3.uri().toString()};
        Map<Long, String> bug = new LinkedHashMap<>();

        // The first crash of node stores node and its libraries; the second stores nothing.
        bug.put(crash(seed, node.toString(), "--abort-on-uncaught-exception", "index.js"), "bar");
        awaitAnalyzed(store, bug.keySet(), agent);
        long afterFirst = binaryBytes(admin);
        int objectsAfterFirst = S3Server.objects(admin, "crashes", "~coroner/binaries/").size();
        bug.put(crash(seed, node.toString(), "--abort-on-uncaught-exception", "index.js"), "bar");
        awaitAnalyzed(store, bug.keySet(), agent);
        long afterSecond = binaryBytes(admin);
        assertThat(afterFirst)
            .as("node and its libraries: %s", String.join("\n", agent.log()))
            .isGreaterThan(Files.size(node));
        assertThat(afterSecond)
            .as("the second crash of the same binaries adds none")
            .isEqualTo(afterFirst);
        assertThat(S3Server.objects(admin, "crashes", "~coroner/binaries/"))
            .hasSize(objectsAfterFirst);

        for (int i = 0; i < 2; i++) {
          bug.put(crash(seed, node.toString(), "--abort-on-uncaught-exception", "index.js"), "bar");
        }
        for (int i = 0; i < 3; i++) {
          bug.put(
              crash(changed, node.toString(), "--abort-on-uncaught-exception", "index.js"), "foo");
        }
        for (int i = 0; i < 3; i++) {
          bug.put(crash(c, segv.toString()), "crash_write");
        }
        JsonNode rows = awaitAnalyzed(store, bug.keySet(), agent);

        // coroner list: the CRASH column, and signature and top_frame in JSON.
        Map<String, List<JsonNode>> byBug = new LinkedHashMap<>();
        for (JsonNode row : rows) {
          String b = bug.get(row.get("host_pid").asLong());
          if (b != null) {
            byBug.computeIfAbsent(b, k -> new ArrayList<>()).add(row);
          }
        }
        assertThat(byBug.get("bar"))
            .hasSize(4)
            .allSatisfy(r -> assertThat(r.get("top_frame").asText()).startsWith("bar (index.js:"));
        assertThat(byBug.get("foo"))
            .hasSize(3)
            .allSatisfy(r -> assertThat(r.get("top_frame").asText()).startsWith("foo (index.js:"));
        assertThat(byBug.get("crash_write"))
            .hasSize(3)
            .allSatisfy(
                r ->
                    assertThat(r.get("top_frame").asText())
                        .matches("crash_write \\(segv\\.c:1\\)"));
        for (List<JsonNode> same : byBug.values()) {
          assertThat(same)
              .extracting(r -> r.get("signature").asText())
              .containsOnly(same.get(0).get("signature").asText());
        }
        assertThat(byBug.values().stream().map(l -> l.get(0).get("signature").asText()).distinct())
            .as("three bugs, three signatures")
            .hasSize(3);
        String table = cli(concat(new String[] {"list"}, store));
        assertThat(table.lines().findFirst().orElseThrow()).contains("CRASH");
        assertThat(table)
            .contains("bar (index.js:")
            .contains("foo (index.js:")
            .contains("crash_write (segv.c:1)");

        // The frames of the seed's crash, from dump-info.
        JsonNode barDump = byBug.get("bar").get(0);
        JsonNode info =
            new ObjectMapper()
                .readTree(
                    cli(
                        concat(
                            new String[] {"info", barDump.get("name").asText(), "-o", "json"},
                            store)));
        List<String> functions = new ArrayList<>();
        info.at("/analysis/frames").forEach(f -> functions.add(f.get("function").asText()));
        assertThat(functions).contains("bar", "foo", "do_test");
        assertThat(info.at("/analysis/tool").asText()).isEqualTo("lldb+llnode");
        JsonNode nodeBinary = binary(info, node.toString());
        assertThat(nodeBinary.get("kept").asBoolean()).isTrue();
        String nodeId = nodeBinary.get("build_id").asText();
        assertThat(S3Server.objects(admin, "crashes", "~coroner/binaries/" + nodeId + "/"))
            .extracting(S3Object::key)
            .containsExactly("~coroner/binaries/" + nodeId + "/node");

        // The zip itself carries the analysis, and its core is the core that was captured.
        Path zip = tmp.resolve("fetched.zip");
        admin.getObject(
            g ->
                g.bucket("crashes")
                    .key(barDump.get("location").asText().substring("s3://crashes/".length())),
            zip);
        try (DumpArchive a = DumpArchive.open(zip)) {
          assertThat(a.info().analysis().signature()).isEqualTo(barDump.get("signature").asText());
          assertThat(a.writeCore(OutputStream.nullOutputStream()))
              .isEqualTo(a.info().core().sha256());
        }

        // coroner groups: three groups with the right counts.
        JsonNode groups =
            new ObjectMapper().readTree(cli(concat(new String[] {"groups", "-o", "json"}, store)));
        List<Integer> counts = new ArrayList<>();
        groups.forEach(g -> counts.add(g.get("count").asInt()));
        assertThat(counts).containsExactly(4, 3, 3);
        assertThat(groups.get(0).get("top_frame").asText()).startsWith("bar (index.js:");
        String groupTable = cli(concat(new String[] {"groups"}, store));
        System.out.print(groupTable);

        measure(admin, info, agent, afterFirst);

        // The executables are gone from where the dumps say they were: the kept copies serve.
        Files.delete(node);
        Files.delete(segv);
        String bt =
            cli(
                concat(
                    new String[] {
                      "debug",
                      barDump.get("name").asText(),
                      "--cache-dir",
                      tmp.resolve("cache").toString(),
                      "--batch",
                      "-o",
                      "v8 bt"
                    },
                    store));
        assertThat(bt).contains("bar(").contains("foo(").contains("do_test(");
        String gdb =
            cli(
                concat(
                    new String[] {
                      "debug",
                      byBug.get("crash_write").get(0).get("name").asText(),
                      "--cache-dir",
                      tmp.resolve("cache").toString(),
                      "--batch",
                      "-o",
                      "bt"
                    },
                    store));
        assertThat(gdb).contains("crash_write").contains("handle").contains("segv.c:1");

        assertThat(agent.stop()).isEqualTo(143);
      } finally {
        agent.close();
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
      }
    }
  }

  /** Runs a program that crashes, with the kernel's default coredump_filter; its pid. */
  private long crash(Path dir, String... command) throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of("sh", "-c", "echo 0x33 > /proc/self/coredump_filter && exec \"$@\"", "sh"));
    argv.addAll(List.of(command));
    Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
    started.add(p);
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s crashed", command[0]).isGreaterThan(128);
    return p.pid(); // sh exec'd the program: the same pid
  }

  /** Waits until every pid's dump is listed with its analysis; the listing. */
  private JsonNode awaitAnalyzed(
      String[] store, java.util.Collection<Long> pids, AgentProcess agent) {
    JsonNode[] rows = new JsonNode[1];
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              rows[0] =
                  new ObjectMapper()
                      .readTree(cli(concat(new String[] {"list", "-o", "json"}, store)));
              List<Long> done = new ArrayList<>();
              rows[0].forEach(
                  r -> {
                    if (!r.path("top_frame").isNull() && !r.path("top_frame").isMissingNode()) {
                      done.add(r.get("host_pid").asLong());
                    }
                  });
              assertThat(agent.alive()).as(String.join("\n", agent.log())).isTrue();
              return done.containsAll(pids);
            });
    return rows[0];
  }

  private static long binaryBytes(S3Client admin) {
    return S3Server.objects(admin, "crashes", "~coroner/binaries/").stream()
        .mapToLong(S3Object::size)
        .sum();
  }

  private static JsonNode binary(JsonNode info, String path) {
    for (JsonNode b : info.at("/binaries")) {
      if (b.get("path").asText().equals(path)) {
        return b;
      }
    }
    throw new AssertionError("no binary " + path + " in " + info.at("/binaries"));
  }

  /** What one dump costs besides its own zip, and what the analysis took on the agent. */
  private static void measure(S3Client admin, JsonNode info, AgentProcess agent, long binaries)
      throws Exception {
    DumpInfo analyzed =
        dev.coroner.store.archive.DumpInfoJson.parse(
            info.toString().getBytes(StandardCharsets.UTF_8));
    DumpInfo plain = analyzed.withAnalysis(null, List.of());
    int added = analyzed.toJson().length() - plain.toJson().length();
    List<String> times = new ArrayList<>();
    for (String line : agent.log()) {
      Matcher m = ANALYZED.matcher(line);
      if (m.find()) {
        times.add(m.group(2));
      }
    }
    System.out.printf(
        "extra bytes per dump: binaries %d for the first crash of a build, 0 for the next;"
            + " dump-info grows by %d bytes (analysis and binaries list), carried in the zip"
            + " (deflated) and in the sidecar; agent analysis times (ms, extract + analyze +"
            + " rewrite): %s%n",
        binaries, added, times);
  }

  private static void exec(Path dir, String... command) throws Exception {
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = new String[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private static String cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        dev.coroner.cli.Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(code).as(String.join(" ", args) + ": " + err).isZero();
    return out.toString();
  }
}
