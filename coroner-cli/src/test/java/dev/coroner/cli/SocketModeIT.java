package dev.coroner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.dump.DumpInfo;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.KernelSettings;
import dev.coroner.store.archive.DumpArchive;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code coroner install --mode socket} on the real kernel, one install for the class: the example
 * Node.js app through the socket gives the pipe composer's dump and lldb + llnode open it; a storm
 * of 100 crashes keeps 100; an excluded executable is rejected (no core flag); after kill -9 of the
 * receiver the supervisor puts the pipe back and the next crash lands through the composer; the
 * uninstall restores the previous kernel settings exactly. Run under {@code flock
 * /run/coroner-kernel.lock}; only the test's own processes' dumps count. Timings are printed, not
 * asserted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SocketModeIT {
  private static final Pattern STATUS =
      Pattern.compile("signaled=(\\d+) signal=(\\d+) core=(\\d+)");

  private static KernelGuard guard;
  private static KernelSettings previous;
  private static Path dir;
  private static Path crasher;
  private static Path socketDump;

  @BeforeAll
  static void installOnce() throws Exception {
    guard = new KernelGuard();
    // Short, so the core_pattern stays under the kernel's 127 characters.
    dir = Files.createTempDirectory(Path.of("/tmp"), "sm");
    previous = new KernelSettings(dir + "/core.%e.%p", 3, 1);
    previous.write(InstallOptions.PROC_SYS);
    crasher = compileCrasher(dir);
    // A capture killed half-way an hour ago: the receiver removes what it left, at start.
    Path stale = Files.createDirectories(dumps()).resolve("0-dump-old.zip.partial");
    Files.writeString(stale, "half a dump");
    Files.setLastModifiedTime(
        stale, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(3600)));
    CliRun r = install();
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("mode: socket").contains("Mode: socket");
    assertThat(pattern()).isEqualTo(socketPattern());
    assertThat(stale).doesNotExist();
    assertThat(nice(supervisorPid().orElseThrow())).as("the supervisor's priority").isEqualTo(-10);
    assertThat(nice(receiverPid())).as("the receiver's priority").isZero();
    assertThat(Files.readString(prefix().resolve("receiver.log")))
        .contains("removed the stale partial dump " + stale);
    assertThat(KernelGuard.current().corePipeLimit()).isEqualTo(16);
  }

  @AfterAll
  static void uninstallAndCheck() throws Exception {
    try {
      CliRun r = CliRun.of("uninstall", "--prefix", prefix().toString());
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("stop the supervisor");
      assertThat(KernelGuard.current()).as("the previous settings, exactly").isEqualTo(previous);
      assertThat(prefix().resolve("receiver-supervisor")).doesNotExist();
      assertThat(prefix().resolve("run/coredump.sock")).doesNotExist();
      assertThat(supervisorPid()).isEmpty();
    } finally {
      guard.close();
      new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(1)
  void theNodeAppThroughTheSocketGivesTheComposersDumpAndLlnodeOpensIt() throws Exception {
    long pid = crashNode();
    socketDump = awaitDumpOf(pid);
    assertThat(Files.readString(prefix().resolve("receiver.log")))
        .as("captured by the receiver")
        .contains("crash: pid " + pid + " node");
    try (DumpArchive a = DumpArchive.open(socketDump)) {
      DumpInfo info = a.info();
      assertThat(info.process().signal()).isEqualTo(5);
      assertThat(info.process().exe()).isEqualTo("node");
      assertThat(info.integrity().truncated()).as(info.integrity().reason()).isFalse();
      assertThat(info.core().expectedSize()).isEqualTo(info.core().size());
      assertThat(a.writeCore(OutputStream.nullOutputStream())).isEqualTo(info.core().sha256());
      // One host, no agent: the receiver scrubs before the dump is listed, as the composer does.
      assertThat(info.scrub()).as("scrubbed by the receiver").isNotNull();
      assertThat(info.scrub().mode()).isEqualTo("default");
      assertThat(info.scrub().complete()).isTrue();
    }
    assertThat(Files.readString(prefix().resolve("receiver.log"))).contains("scrubbed (default)");
    CliRun bt =
        CliRun.of(
            "debug",
            "latest",
            "--batch",
            "-o",
            "v8 bt",
            "--store",
            dumps().toString(),
            "--cache-dir",
            dir.resolve("cache").toString());
    assertThat(bt.code()).as(bt.out() + bt.err()).isZero();
    assertThat(bt.out()).contains("bar(").contains("foo(").contains("hello world");
  }

  @Test
  @Order(2)
  void afterKillMinus9ThePipeIsBackAtOnceAndTheNextCrashLandsThroughTheComposer() throws Exception {
    long supervisor = supervisorPid().orElseThrow();
    long receiver = Long.parseLong(Files.readString(prefix().resolve("run/receiver.pid")).trim());
    long killed = System.nanoTime();
    ProcessHandle.of(receiver).orElseThrow().destroyForcibly();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(1))
        .until(() -> pattern().equals(pipePattern()));
    long gapMs = (System.nanoTime() - killed) / 1_000_000;
    // Hold the supervisor in its restart backoff, so that the next crash meets the pipe.
    signal("STOP", supervisor);
    long pid;
    try {
      System.out.println("kill -9 gap: the pipe pattern was back after " + gapMs + " ms");
      pid = crashNode();
      Path pipeDump = awaitDumpOf(pid);
      assertThat(Files.readString(prefix().resolve("composer.log")))
          .as("captured by the pipe composer")
          .contains("crash: pid " + pid + " ");
      assertSameDump(socketDump, pipeDump);
    } finally {
      signal("CONT", supervisor);
    }
    await().atMost(Duration.ofSeconds(120)).until(() -> pattern().equals(socketPattern()));
    assertThat(Files.readString(prefix().resolve("receiver.log")))
        .contains("the receiver exited (137); core_pattern is the pipe composer's again");
  }

  @Test
  @Order(3)
  void aStormOf100CrashesKeeps100CompleteDumps() throws Exception {
    int crashes = 100;
    List<Crasher> started = new ArrayList<>();
    Set<Long> pids = new HashSet<>();
    long receiver = Long.parseLong(Files.readString(prefix().resolve("run/receiver.pid")).trim());
    try {
      for (int i = 0; i < crashes; i++) {
        Crasher c = Crasher.start(crasher, "8");
        started.add(c);
        pids.add(c.childPid);
      }
      long t0 = System.nanoTime();
      for (Crasher c : started) {
        c.crash();
      }
      for (Crasher c : started) {
        assertThat(c.await()[2]).as("WCOREDUMP of " + c.childPid).isEqualTo(1);
      }
      long released = System.nanoTime();
      await()
          .atMost(Duration.ofMinutes(10))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> namedFor(pids) == crashes);
      long done = System.nanoTime();
      List<Path> zips = dumpsOf(pids);
      for (Path zip : zips) {
        try (DumpArchive a = DumpArchive.open(zip)) {
          assertThat(a.info().integrity().truncated()).as(zip.toString()).isFalse();
          assertThat(a.writeCore(OutputStream.nullOutputStream()))
              .isEqualTo(a.info().core().sha256());
        }
      }
      System.out.println(
          "storm: "
              + zips.size()
              + " of "
              + crashes
              + " complete; all released after "
              + (released - t0) / 1_000_000
              + " ms, all dumps after "
              + (done - t0) / 1_000_000
              + " ms; receiver peak RSS "
              + peakRssMib(receiver)
              + " MiB");
    } finally {
      started.forEach(Crasher::close);
    }
  }

  @Test
  @Order(4)
  void anExcludedExecutableGetsARejectNoDumpAndNoCoreFlag() throws Exception {
    CliRun r = install("--exclude-exe", "crasher");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("restart the supervisor");
    await().atMost(Duration.ofSeconds(120)).until(() -> pattern().equals(socketPattern()));
    try (Crasher c = Crasher.start(crasher, "1")) {
      c.crash();
      int[] status = c.await();
      assertThat(status[0]).as("signaled").isEqualTo(1);
      assertThat(status[1]).isEqualTo(11);
      assertThat(status[2]).as("WCOREDUMP after REJECT").isZero();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  Files.readString(prefix().resolve("receiver.log"))
                      .contains("matches filter.exclude-exe 'crasher'; REJECT"));
      assertThat(dumpsOf(Set.of(c.childPid))).isEmpty();
    }
  }

  /** The same entries and the same dump-info, but for what differs between two crashes. */
  private static void assertSameDump(Path socket, Path pipe) throws IOException {
    try (DumpArchive s = DumpArchive.open(socket);
        DumpArchive p = DumpArchive.open(pipe)) {
      DumpInfo a = s.info();
      DumpInfo b = p.info();
      assertThat(entries(socket, a)).isEqualTo(entries(pipe, b));
      assertThat(a.files()).hasSameSizeAs(b.files());
      assertThat(a.hostname()).isEqualTo(b.hostname());
      assertThat(a.nodeHostname()).isEqualTo(b.nodeHostname());
      assertThat(a.pod()).isEqualTo(b.pod());
      var x = a.process();
      var y = b.process();
      assertThat(x.exe()).isEqualTo(y.exe());
      assertThat(x.exePath()).isEqualTo(y.exePath());
      assertThat(x.cmdline()).isEqualTo(y.cmdline());
      assertThat(x.signal()).isEqualTo(y.signal()).isEqualTo(5);
      assertThat(x.uid()).isEqualTo(y.uid());
      assertThat(x.gid()).isEqualTo(y.gid());
      assertThat(x.containerId()).isEqualTo(y.containerId());
      assertThat(x.coreLimit()).isEqualTo(y.coreLimit());
      assertThat(x.pidfdVerified()).isEqualTo(y.pidfdVerified()).isTrue();
      assertThat(x.pid()).isEqualTo(x.hostPid());
      assertThat(y.pid()).isEqualTo(y.hostPid());
      assertThat(x.tid()).isEqualTo(x.hostTid()).isEqualTo(x.pid());
      assertThat(y.tid()).isEqualTo(y.hostTid()).isEqualTo(y.pid());
      assertThat(a.core().compression()).isEqualTo(b.core().compression());
      assertThat(a.integrity()).isEqualTo(b.integrity());
      assertThat(a.scrub()).as("the socket dump scrubbed").isNotNull();
      assertThat(b.scrub()).as("the pipe dump scrubbed").isNotNull();
      assertThat(a.scrub().mode()).isEqualTo(b.scrub().mode());
      assertThat(a.scrub().complete()).isEqualTo(b.scrub().complete()).isTrue();
      assertThat(a.core().expectedSize()).isEqualTo(a.core().size());
      assertThat(b.core().expectedSize()).isEqualTo(b.core().size());
      assertThat(p.writeCore(OutputStream.nullOutputStream())).isEqualTo(b.core().sha256());
      assertThat(name(socket, a)).isEqualTo(name(pipe, b));
    }
  }

  /** The zip's entry names, the dump's own name replaced. */
  private static Set<String> entries(Path zip, DumpInfo info) throws IOException {
    Set<String> names = new TreeSet<>();
    try (var z = new java.util.zip.ZipFile(zip.toFile())) {
      z.stream().forEach(e -> names.add(e.getName().replace(info.name(), "NAME")));
    }
    return names;
  }

  /** The name with its uuid, time and pid replaced: what the template makes of the rest. */
  private static String name(Path zip, DumpInfo info) {
    return zip.getFileName()
        .toString()
        .replace(info.uuid(), "UUID")
        .replace(Long.toString(info.timestamp()), "TIME")
        .replace("-" + info.process().pid() + "-", "-PID-");
  }

  private static long crashNode() throws Exception {
    Process node =
        new ProcessBuilder("node", "--abort-on-uncaught-exception", "index.js")
            .directory(CaptureIT.APP.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(node.getInputStream().readAllBytes());
    assertThat(node.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("hello world");
    assertThat(node.exitValue()).as("killed by SIGTRAP").isEqualTo(128 + 5);
    return node.pid();
  }

  private static Path awaitDumpOf(long pid) {
    return await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> CaptureIT.dumpsOf(dumps(), pid), l -> l.size() == 1)
        .get(0);
  }

  /** Finished dumps whose name is a crasher's of {@code pids}: cheap enough to poll. */
  private static long namedFor(Set<Long> pids) throws IOException {
    try (var files = Files.list(dumps())) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith("-11.zip") && n.contains("-crasher-"))
          .filter(
              n -> pids.contains(Long.parseLong(n.replaceAll(".*-crasher-(\\d+)-11\\.zip", "$1"))))
          .count();
    }
  }

  private static List<Path> dumpsOf(Set<Long> pids) throws IOException {
    List<Path> found = new ArrayList<>();
    if (!Files.isDirectory(dumps())) {
      return found;
    }
    try (var files = Files.list(dumps())) {
      for (Path f : files.filter(p -> p.toString().endsWith(".zip")).toList()) {
        try (DumpArchive a = DumpArchive.open(f)) {
          if (pids.contains(a.info().process().hostPid())) {
            found.add(f);
          }
        }
      }
    }
    return found;
  }

  private static CliRun install(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "install",
                "--prefix",
                prefix().toString(),
                "--dumps",
                dumps().toString(),
                "--mode",
                "socket"));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static Path prefix() {
    return dir.resolve("p");
  }

  private static Path dumps() {
    return dir.resolve("d");
  }

  private static String socketPattern() {
    return "@@" + prefix().resolve("run/coredump.sock");
  }

  private static String pipePattern() {
    return "|" + prefix().resolve("composer") + " %P %p %I %i %s %t %h %e %E %c %u %g %F";
  }

  private static String pattern() throws IOException {
    return KernelGuard.current().corePattern();
  }

  private static java.util.Optional<Long> supervisorPid() {
    try {
      long pid =
          Long.parseLong(Files.readString(prefix().resolve("run/receiver-supervisor.pid")).trim());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(ProcessHandle::pid);
    } catch (IOException | NumberFormatException e) {
      return java.util.Optional.empty();
    }
  }

  private static long receiverPid() throws IOException {
    return Long.parseLong(Files.readString(prefix().resolve("run/receiver.pid")).trim());
  }

  /** The nice value, field 19 of /proc/PID/stat. */
  private static int nice(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(f[16]);
  }

  private static void signal(String name, long pid) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  private static long peakRssMib(long pid) throws IOException {
    Map<String, String> status = new TreeMap<>();
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        status.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return Long.parseLong(status.get("VmHWM").split("\\s+")[0]) / 1024;
  }

  private static Path compileCrasher(Path dir) throws Exception {
    Path source = dir.resolve("crasher.c");
    try (InputStream in = SocketModeIT.class.getResourceAsStream("crasher.c")) {
      Files.copy(in, source);
    }
    Path binary = dir.resolve("crasher");
    Process gcc =
        new ProcessBuilder("gcc", "-O2", "-o", binary.toString(), source.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(gcc.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(gcc.exitValue()).as(log).isZero();
    return binary;
  }

  /** crasher.c: its child waits on stdin, crashes when it closes; the parent reports WCOREDUMP. */
  private static final class Crasher implements AutoCloseable {
    final Process process;
    final BufferedReader out;
    final long childPid;

    private Crasher(Process process) throws IOException {
      this.process = process;
      this.out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      assertThat(first).startsWith("child ");
      this.childPid = Long.parseLong(first.substring(6).trim());
    }

    static Crasher start(Path binary, String mib) throws IOException {
      return new Crasher(
          new ProcessBuilder(binary.toString(), mib).redirectErrorStream(true).start());
    }

    void crash() throws IOException {
      process.getOutputStream().close();
    }

    /** signaled, signal, core flag. */
    int[] await() throws IOException, InterruptedException {
      String line = out.readLine();
      assertThat(process.waitFor(300, TimeUnit.SECONDS)).isTrue();
      Matcher m = STATUS.matcher(line == null ? "" : line);
      assertThat(m.find()).as("wait status line: " + line).isTrue();
      return new int[] {
        Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))
      };
    }

    @Override
    public void close() {
      if (process.isAlive()) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    }
  }
}
