package dev.coroner.receiver.capture;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coroner.capture.DumpAssembly;
import dev.coroner.capture.identity.CrashQuery;
import dev.coroner.capture.identity.CrashVerdict;
import dev.coroner.capture.identity.Decision;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.DumpInfo.PodInfo;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.dump.ScrubMode;
import dev.coroner.receiver.CoreOutcome;
import dev.coroner.receiver.CoredumpHandler;
import dev.coroner.receiver.CrashingPeer;
import dev.coroner.receiver.ServerOptions;
import dev.coroner.receiver.TestKernel;
import dev.coroner.receiver.kernel.KernelSupport;
import dev.coroner.receiver.service.ReceiverService;
import dev.coroner.seal.StreamSeal;
import dev.coroner.store.archive.DumpArchive;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SocketCapture} against the real kernel, through {@link ReceiverService} (which switches
 * core_pattern and puts it back): the dumps it writes are the composer's, read back with the
 * store's archive reader. Only the pids a test started reach the capture; any other crash on the
 * machine meanwhile is rejected.
 */
class SocketCaptureIT {
  private static final String CONTAINER = "c0ffee".repeat(10) + "c0de";

  private static TestKernel kernel;

  private Path dir;
  private Path dumps;
  private final Set<Long> ours = ConcurrentHashMap.newKeySet();
  private final List<CrashQuery> asked = new CopyOnWriteArrayList<>();
  private volatile CrashVerdict answer = new CrashVerdict(Decision.CAPTURE, null, null, "");

  @BeforeAll
  static void lock() throws Exception {
    kernel = TestKernel.acquire();
  }

  @AfterAll
  static void unlock() throws Exception {
    if (kernel != null) {
      kernel.close();
    }
  }

  @BeforeEach
  void dirs() throws IOException {
    assumeTrue(kernel.skipped() == null, () -> "skipped: " + kernel.skipped());
    dir =
        Files.createTempDirectory(
            Path.of("/run"),
            "coroner-capture-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    dumps = dir.resolve("dumps");
  }

  @AfterEach
  void clean() throws IOException {
    TestKernel.deleteTree(dir);
  }

  @Test
  void aHostCrashBecomesTheComposersDump() throws Exception {
    String before = KernelSupport.host().corePattern();
    // Scrubbed here, as `coroner install` sets it up on one host.
    try (ReceiverService service = start(settings("").withScrub(ScrubMode.DEFAULT));
        var c = kernel.crasher(List.of())) {
      assertThat(KernelSupport.host().corePattern()).isEqualTo("@@" + dir.resolve("k.sock"));
      ours.add((long) c.childPid());
      c.crash();
      assertThat(c.await().coreDumped()).as("WCOREDUMP").isTrue();
      Path zip = awaitDump();

      try (DumpArchive a = DumpArchive.open(zip)) {
        DumpInfo info = a.info();
        var p = info.process();
        assertThat(zip.getFileName().toString())
            .isEqualTo(
                info.uuid()
                    + "-dump-"
                    + info.timestamp()
                    + "-"
                    + nodeHostname()
                    + "-crasher-"
                    + c.childPid()
                    + "-11.zip");
        assertThat(p.signal()).isEqualTo(11);
        assertThat(p.signalName()).isEqualTo("SIGSEGV");
        assertThat(p.exe()).isEqualTo("crasher");
        assertThat(p.exePath()).isEqualTo(kernel.crasherPath().toString());
        assertThat(p.pid()).isEqualTo(c.childPid());
        assertThat(p.hostPid()).isEqualTo(c.childPid());
        assertThat(p.tid()).isEqualTo(c.childPid());
        assertThat(p.hostTid()).isEqualTo(c.childPid());
        assertThat(p.uid()).isZero();
        assertThat(p.containerId()).isNull();
        assertThat(p.pidfdVerified()).isTrue();
        assertThat(p.coreLimit()).isNotNull();
        assertThat(info.hostname()).isEqualTo(nodeHostname());
        assertThat(info.nodeHostname()).isEqualTo(nodeHostname());
        assertThat(info.pod()).isNull();
        assertThat(info.integrity().truncated()).as(info.integrity().reason()).isFalse();
        assertThat(info.core().size()).isEqualTo(info.core().expectedSize()).isGreaterThan(1 << 20);
        assertThat(info.files())
            .contains("proc/cmdline", "proc/cgroup", "proc/status", "proc/maps", "proc/limits");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        String written = a.writeCore(new DigestStream(sha));
        assertThat(written).isEqualTo(info.core().sha256());
        assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(info.core().sha256());
        // Scrubbed here (one host) from its staged copy, and recompressed as it was stored.
        assertThat(info.scrub()).isNotNull();
        assertThat(info.scrub().complete()).isTrue();
        assertThat(info.core().compression()).isEqualTo(Compression.ZSTD);
        assertThat(info.core().entry()).isEqualTo(info.name() + ".core.zst");
        assertThat(info.core().storedSize()).isLessThan(info.core().size());
      }
      assertThat(mode(zip)).isEqualTo("rw-------");
      assertThat(mode(dumps)).isEqualTo("rwx------");
      try (Stream<Path> staged = Files.list(dumps.resolve(".scrub"))) {
        assertThat(staged).as("nothing left in staging").isEmpty();
      }
      assertThat(Files.readString(dir.resolve("receiver.log")))
          .contains("the process is released")
          .contains("scrubbed (default)");
    }
    assertThat(KernelSupport.host().corePattern()).as("restored exactly").isEqualTo(before);
  }

  @Test
  void aLargeHostCrashIsScrubbedWhileItStreamsAndOnlyMovedAfterwards() throws Exception {
    String password = "Zq8-xv2LmP-4nKw";
    long mib = StreamSeal.STREAM_FROM / (1 << 20) + 16;
    try (ReceiverService service = start(settings("").withScrub(ScrubMode.DEFAULT));
        var c = kernel.crasher(java.util.Map.of("DB_PASSWORD", password), List.of("" + mib))) {
      ours.add((long) c.childPid());
      c.crash();
      assertThat(c.await().coreDumped()).as("WCOREDUMP").isTrue();
      Path zip = awaitDump();
      try (DumpArchive a = DumpArchive.open(zip)) {
        DumpInfo info = a.info();
        assertThat(info.integrity().truncated()).as(info.integrity().reason()).isFalse();
        assertThat(info.core().size()).isGreaterThan(StreamSeal.STREAM_FROM);
        assertThat(info.scrub()).isNotNull();
        assertThat(info.scrub().complete()).isTrue();
        assertThat(info.scrub().rules()).containsKey("env-secret");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Search search = new Search(password);
        assertThat(
                a.writeCore(
                    new java.io.FilterOutputStream(new DigestStream(sha)) {
                      @Override
                      public void write(byte[] b, int off, int len) throws IOException {
                        search.write(b, off, len);
                        out.write(b, off, len);
                      }
                    }))
            .isEqualTo(info.core().sha256());
        assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(info.core().sha256());
        assertThat(search.found).as("the environment's value in the stored core").isZero();
      }
      try (Stream<Path> staged = Files.list(dumps.resolve(".scrub"))) {
        assertThat(staged).as("nothing left in staging").isEmpty();
      }
      assertThat(Files.readString(dir.resolve("receiver.log")))
          .contains("scrubbed while streaming")
          .contains("while written");
    }
  }

  /** Counts the occurrences of a string in what is written, across writes. */
  private static final class Search extends OutputStream {
    private final byte[] needle;
    private final byte[] tail;
    private int tailLength;
    long found;

    Search(String needle) {
      this.needle = needle.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      this.tail = new byte[this.needle.length - 1];
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      byte[] all = new byte[tailLength + len];
      System.arraycopy(tail, 0, all, 0, tailLength);
      System.arraycopy(b, off, all, tailLength, len);
      for (int i = 0; i + needle.length <= all.length; i++) {
        if (java.util.Arrays.equals(all, i, i + needle.length, needle, 0, needle.length)) {
          found++;
        }
      }
      tailLength = Math.min(tail.length, all.length);
      System.arraycopy(all, all.length - tailLength, tail, 0, tailLength);
    }
  }

  @Test
  void anExcludedExecutableIsRejectedBeforeAnyByte() throws Exception {
    try (ReceiverService service = start(settings("[,crasher"));
        var c = kernel.crasher(List.of())) {
      ours.add((long) c.childPid());
      c.crash();
      var status = c.await();
      assertThat(status.signal()).isEqualTo(11);
      assertThat(status.coreDumped()).as("WCOREDUMP after REJECT").isFalse();
      await().atMost(60, SECONDS).until(() -> service.server().stats().rejected() == 1);
      assertThat(service.server().stats().accepted()).isZero();
      assertThat(zips()).isEmpty();
      assertThat(Files.readString(dir.resolve("receiver.log")))
          .contains("matches filter.exclude-exe 'crasher'; REJECT");
    }
  }

  @Test
  void aContainersCrashIsAskedAboutAndNamedByItsPod() throws Exception {
    var pod = new PodInfo("shop", "web-7", "uid-7", "app", "shop/web:1");
    answer = new CrashVerdict(Decision.CAPTURE, null, pod, "booting\nBoom!");
    try (ReceiverService service = start(settings("", "{uuid}-{namespace}-{pod}-{hostname}"));
        var c = inContainer()) {
      c.crash();
      assertThat(c.await().coreDumped()).isTrue();
      Path zip = awaitDump();
      try (DumpArchive a = DumpArchive.open(zip)) {
        DumpInfo info = a.info();
        assertThat(zip.getFileName().toString()).endsWith("-shop-web-7-web-7.zip");
        assertThat(info.hostname()).as("the UTS namespace's, as %h").isEqualTo("web-7");
        assertThat(info.nodeHostname()).isEqualTo(nodeHostname());
        assertThat(info.pod()).isEqualTo(pod);
        assertThat(info.process().containerId()).isEqualTo(CONTAINER);
        assertThat(info.process().pid()).as("in its pid namespace").isEqualTo(c.childPid());
        assertThat(c.childPid()).isNotEqualTo(c.hostChildPid());
        assertThat(info.process().hostPid()).isEqualTo(c.hostChildPid());
        assertThat(info.process().tid()).isEqualTo(c.childPid());
        assertThat(info.process().hostTid()).isEqualTo(c.hostChildPid());
        assertThat(info.files()).contains(DumpAssembly.CONTAINER_LOG);
        assertThat(info.integrity().truncated()).isFalse();
      }
      assertThat(asked)
          .singleElement()
          .satisfies(
              q -> {
                assertThat(q.containerId()).isEqualTo(CONTAINER);
                assertThat(q.hostPid()).isEqualTo(c.hostChildPid());
                assertThat(q.exe()).isEqualTo("crasher");
              });
    }
  }

  @Test
  void aSkipIsARejectAndMetadataOnlyRejectsTheCoreButKeepsTheMetadata() throws Exception {
    answer = new CrashVerdict(Decision.SKIP, "namespace shop is opted out", null, "");
    try (ReceiverService service = start(settings(""));
        var skipped = inContainer()) {
      skipped.crash();
      assertThat(skipped.await().coreDumped()).isFalse();
      await().atMost(60, SECONDS).until(() -> service.server().stats().rejected() == 1);
      assertThat(zips()).isEmpty();

      answer = new CrashVerdict(Decision.METADATA_ONLY, "3 cores of shop/web in 10m", null, "x");
      try (var flooded = inContainer()) {
        flooded.crash();
        assertThat(flooded.await().coreDumped()).as("no core: REJECT").isFalse();
        Path zip = awaitDump();
        try (DumpArchive a = DumpArchive.open(zip)) {
          DumpInfo info = a.info();
          assertThat(info.core().entry()).isNull();
          assertThat(info.integrity().cause()).isEqualTo(IntegrityCause.FLOOD);
          assertThat(info.integrity().detail()).isEqualTo("3 cores of shop/web in 10m");
          assertThat(info.process().signal()).as("from the exit status").isEqualTo(11);
          assertThat(info.process().exe()).isEqualTo("crasher");
          assertThat(info.hostname()).isEqualTo("web-7");
          assertThat(zip.getFileName().toString())
              .endsWith("-web-7-crasher-" + flooded.childPid() + "-11.zip");
          assertThat(info.process().hostPid()).isEqualTo(flooded.hostChildPid());
          assertThat(info.files()).contains("proc/status", DumpAssembly.CONTAINER_LOG);
        }
      }
    }
  }

  @Test
  void aCaptureLongerThanTheTimeoutIsTruncatedAndMarked() throws Exception {
    Properties p = settings("").toProperties();
    p.setProperty("timeout", "1s");
    CaptureSettings settings = CaptureSettings.fromProperties(p).settings();
    try (ReceiverService service = start(settings);
        var c = kernel.crasher(List.of("1536"))) {
      ours.add((long) c.childPid());
      c.crash();
      var status = c.await();
      Path zip = awaitDump();
      try (DumpArchive a = DumpArchive.open(zip)) {
        DumpInfo info = a.info();
        assertThat(info.integrity().truncated()).isTrue();
        assertThat(info.integrity().cause()).isEqualTo(IntegrityCause.TIMEOUT);
        assertThat(info.integrity().detail()).contains("deadline");
        assertThat(info.core().size()).isLessThan(info.core().expectedSize());
        System.out.println(
            "timeout: kept "
                + info.core().size()
                + " of "
                + info.core().expectedSize()
                + " bytes in 1 s; WCOREDUMP "
                + status.coreDumped());
      }
    }
  }

  private ReceiverService start(CaptureSettings settings) throws Exception {
    var options =
        new SocketCapture.Options(
                settings,
                List.of(),
                dir.resolve("receiver.log"),
                java.util.Optional.empty(),
                Duration.ofSeconds(5),
                "test")
            .withTriage(
                q -> {
                  asked.add(q);
                  return answer;
                },
                Duration.ofSeconds(5));
    CoredumpHandler only = new OnlyOurs(new SocketCapture(options));
    ServerOptions server =
        ServerOptions.of(dir.resolve("k.sock")).withConnectionDeadline(settings.timeout());
    return ReceiverService.start(
        new ReceiverService.Options(server, null, System.out::println), only);
  }

  /** A crasher in its own UTS and pid namespaces and a cgroup named like a container's. */
  private TestKernel.Contained inContainer() throws Exception {
    var c = kernel.contained("web-7", CONTAINER);
    ours.add(c.hostChildPid());
    return c;
  }

  private CaptureSettings settings(String exclude) {
    return settings(exclude, null);
  }

  private CaptureSettings settings(String exclude, String template) {
    Properties p = CaptureSettings.defaults().withDumpDir(dumps).toProperties();
    p.setProperty("filter.exclude-exe", exclude);
    if (template != null) {
      p.setProperty("name.template", template);
    }
    return CaptureSettings.fromProperties(p).settings();
  }

  private Path awaitDump() {
    return await()
        .atMost(120, SECONDS)
        .until(() -> zips().stream().findFirst().orElse(null), z -> z != null);
  }

  private List<Path> zips() throws IOException {
    if (!Files.isDirectory(dumps)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dumps)) {
      return new ArrayList<>(s.filter(f -> f.toString().endsWith(".zip")).toList());
    }
  }

  private static String nodeHostname() throws IOException {
    return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  /** Passes only the crashes of processes this test started. */
  private final class OnlyOurs implements CoredumpHandler {
    private final CoredumpHandler capture;

    OnlyOurs(CoredumpHandler capture) {
      this.capture = capture;
    }

    @Override
    public dev.coroner.receiver.Decision decide(CrashingPeer peer) throws IOException {
      if (!ours.contains((long) peer.tgid())) {
        return dev.coroner.receiver.Decision.reject("not started by this test");
      }
      return capture.decide(peer);
    }

    @Override
    public void receive(CrashingPeer peer, ReadableByteChannel core) throws IOException {
      capture.receive(peer, core);
    }

    @Override
    public void ended(CrashingPeer peer, CoreOutcome outcome) {
      if (ours.contains((long) peer.tgid())) {
        capture.ended(peer, outcome);
      }
    }
  }

  /** Hashes what the archive writes. */
  private static final class DigestStream extends OutputStream {
    private final MessageDigest sha;

    DigestStream(MessageDigest sha) {
      this.sha = sha;
    }

    @Override
    public void write(int b) {
      sha.update((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      sha.update(b, off, len);
    }
  }
}
