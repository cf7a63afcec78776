package dev.coroner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.agent.cri.ContainerdHarness;
import dev.coroner.agent.cri.ContainerdHarness.ContainerSpec;
import dev.coroner.agent.cri.ContainerdHarness.Pod;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.KernelSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not a test (run by bench/identity.sh; Failsafe's default includes skip it): the stall
 * the pod lookup adds to a crash. The example app crashes N times in a container on a real
 * containerd, first with the agent answering the composer (CRI lookup, policy, flood control), then
 * with no agent (killed; its socket refuses at once). Printed per mode: the composer's time before
 * it starts reading the core (its own log) and the crash as the container sees it (spawn to
 * reaped); the difference of the medians is what the lookup costs.
 */
class IdentityStallBench {
  private static final Pattern READING = Pattern.compile("reading the core after (\\d+) ms");
  private static final Pattern TOOK = Pattern.compile("crash \\d+ took (\\d+) ms");

  @Test
  void stallAddedByTheLookup() throws Exception {
    int crashes = Integer.getInteger("crashes", 20);
    KernelSettings saved = KernelSettings.read(InstallOptions.PROC_SYS);
    Path tmp = Files.createTempDirectory(Path.of("/tmp"), "stall-bench");
    try (ContainerdHarness harness = ContainerdHarness.start();
        S3Server s3 = new S3Server(Files.createDirectory(tmp.resolve("blobs")))) {
      try (var admin = s3.client()) {
        admin.createBucket(b -> b.bucket("crashes"));
      }
      AgentProcess agent =
          AgentProcess.start(s3, tmp.resolve("dumps"), "crashes", env(tmp, harness));
      try {
        assertThat(agent.ready()).isTrue();
        Path composerLog = tmp.resolve("p/composer.log");
        List<Long> first = new ArrayList<>();
        for (int i = 0; i < crashes; i++) {
          first.addAll(run(harness, "fresh-" + i, 1, composerLog).beforeRead());
        }
        Run repeated = run(harness, "repeated", crashes, composerLog);
        agent.log().stream()
            .filter(l -> l.contains("answered in"))
            .map(l -> l.replaceAll(".*; answered in (\\d+) ms.*", "$1"))
            .forEach(ms -> answeredMs.add(Long.parseLong(ms)));
        // The agent's memory once it has answered over CRI and uploaded (idle target: 96 MiB).
        await().atMost(Duration.ofMinutes(2)).until(() -> localDumps(tmp).isEmpty());
        rssKib = rss(agent.pid());
        if (Boolean.getBoolean("nmt")) {
          Process jcmd =
              new ProcessBuilder("jcmd", Long.toString(agent.pid()), "VM.native_memory", "summary")
                  .redirectErrorStream(true)
                  .start();
          new String(jcmd.getInputStream().readAllBytes())
              .lines()
              .filter(l -> l.startsWith("Total") || l.startsWith("-"))
              .forEach(l -> System.out.println("nmt: " + l));
        }
        // No agent: killed, so core_pattern stays and its socket file refuses connections.
        agent.kill();
        Run alone = run(harness, "alone", crashes, composerLog);
        print(crashes, first, repeated, alone);
      } finally {
        agent.close();
      }
    } finally {
      if (!KernelSettings.read(InstallOptions.PROC_SYS).equals(saved)) {
        saved.write(InstallOptions.PROC_SYS);
      }
      new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  private final List<Long> answeredMs = new ArrayList<>();
  private long rssKib;

  private static Map<String, String> env(Path tmp, ContainerdHarness harness) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("CORONER_INSTALL", "true");
    env.put("CORONER_PREFIX", tmp.resolve("p").toString());
    env.put("CORONER_CRI_SOCKET", harness.socket().toString());
    env.put("CORONER_FLOOD_MAX_CORES", "0");
    if (Boolean.getBoolean("nmt")) {
      // -Dnmt=true: the JVM's own account of the agent's memory, printed before it is killed.
      env.put("JAVA_TOOL_OPTIONS", "-XX:NativeMemoryTracking=summary");
    }
    return env;
  }

  private static List<Path> localDumps(Path tmp) throws java.io.IOException {
    try (var files = Files.list(tmp.resolve("dumps"))) {
      return files.filter(p -> p.getFileName().toString().endsWith(".zip")).toList();
    }
  }

  private static long rss(long pid) throws java.io.IOException {
    for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("\\D+", ""));
      }
    }
    return -1;
  }

  /** Medians of one mode, in ms. */
  private record Run(List<Long> beforeRead, List<Long> crash) {}

  private static Run run(ContainerdHarness harness, String name, int crashes, Path composerLog)
      throws Exception {
    int logLinesBefore = Files.exists(composerLog) ? Files.readAllLines(composerLog).size() : 0;
    Pod pod = harness.runPod("bench", name, Map.of(), Map.of());
    try {
      String loop =
          "const {spawnSync} = require('child_process');"
              + "for (let i = 0; i < "
              + crashes
              + "; i++) { const t = Date.now();"
              // A moment first, so the harness sees the container running before it crashes.
              + " if (i === 0) { const w = Date.now() + 300; while (Date.now() < w) {} }"
              + " spawnSync('/usr/bin/node', ['--abort-on-uncaught-exception',"
              + " '/app/crashing-nodejs-app/index.js']);"
              + " console.log('crash ' + i + ' took ' + (Date.now() - t) + ' ms'); }";
      var c =
          harness.runContainer(
              pod,
              new ContainerSpec(
                  "app",
                  ContainerdHarness.NODE_IMAGE,
                  List.of("/usr/bin/node", "-e", loop),
                  Map.of(),
                  0));
      List<Long> took =
          await()
              .atMost(Duration.ofMinutes(5))
              .until(
                  () -> numbers(Files.readAllLines(c.logPath()), TOOK), l -> l.size() == crashes);
      List<String> lines = Files.readAllLines(composerLog);
      List<String> mine = lines.subList(logLinesBefore, lines.size());
      return new Run(numbers(mine, READING), took);
    } finally {
      harness.removePod(pod);
    }
  }

  private static List<Long> numbers(List<String> lines, Pattern p) {
    List<Long> out = new ArrayList<>();
    for (String l : lines) {
      Matcher m = p.matcher(l);
      if (m.find()) {
        out.add(Long.parseLong(m.group(1)));
      }
    }
    return out;
  }

  private static long median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  private void print(int crashes, List<Long> first, Run repeated, Run alone) {
    long base = median(alone.beforeRead());
    long addedFirst = median(first) - base;
    long addedRepeated = median(repeated.beforeRead()) - base;
    System.out.printf(
        """

        stall added by the pod lookup, %d crashes of the example app per row (ms, medians):
          composer, from its start to reading the core          median  added
          agent answering, first crash of each container        %6d  %5d
          agent answering, one container crashing again         %6d  %5d
          no agent                                              %6d
          the agent's own time per answer (CRI lookup, policy):  %s
          all runs, first crashes:  %s
          all runs, repeated:       %s
          all runs, no agent:       %s
        the agent's RSS after those answers and their uploads: %d MiB
        target: median added stall <= 50 ms: first crash %s, repeated crash %s
        identity_stall_added_ms=%d identity_stall_added_repeated_ms=%d
        """,
        crashes,
        median(first),
        addedFirst,
        median(repeated.beforeRead()),
        addedRepeated,
        base,
        answeredMs,
        first,
        repeated.beforeRead(),
        alone.beforeRead(),
        rssKib / 1024,
        addedFirst <= 50 ? "met" : "MISSED",
        addedRepeated <= 50 ? "met" : "MISSED",
        addedFirst,
        addedRepeated);
  }
}
