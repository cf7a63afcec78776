package dev.coroner.receiver;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coroner.receiver.CoreOutcome.Status;
import dev.coroner.receiver.RecordingHandler.Seen;
import dev.coroner.receiver.kernel.KernelSupport;
import dev.coroner.receiver.kernel.PidfdInfo;
import dev.coroner.receiver.kernel.SocketPattern;
import dev.coroner.testkit.KernelLock;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server against the real kernel: core_pattern points at it (under {@link KernelLock}, put back
 * after each test) and crasher.c's children crash with SIGSEGV. Only the pids a test started count;
 * any other crash on the machine meanwhile is rejected by the handler.
 */
class CoredumpSocketServerIT {
  private static String skipped;
  private static KernelLock lock;
  private static Path build;
  private static Path crasher;

  private Path dir;

  @BeforeAll
  static void lockAndBuild() throws Exception {
    skipped = whyNot();
    if (skipped == null) {
      lock = KernelLock.acquire();
      build = Files.createTempDirectory("coroner-receiver-it-");
      crasher = Crasher.compile(build);
    }
  }

  /** Why these tests cannot run here, or null. */
  static String whyNot() {
    if (CoredumpSocketServer.unavailableReason().isPresent()) {
      return CoredumpSocketServer.unavailableReason().get();
    }
    if (!ProcessHandle.current().info().user().orElse("").equals("root")) {
      return "the kernel tests set core_pattern and need root";
    }
    List<String> problems = KernelSupport.host().report().problems(SocketPattern.REQUEST);
    return problems.isEmpty() ? null : String.join(" ", problems);
  }

  @AfterAll
  static void unlock() throws Exception {
    if (build != null) {
      deleteTree(build);
    }
    if (lock != null) {
      lock.close();
    }
  }

  @BeforeEach
  void socketDir() throws IOException {
    assumeTrue(skipped == null, () -> "skipped: " + skipped);
    // /run, not /tmp or /var/run: no symlink on the way, and a root-only directory
    dir =
        Files.createTempDirectory(
            Path.of("/run"),
            "coroner-receiver-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  @AfterEach
  void removeSocketDir() throws IOException {
    if (dir != null) {
      deleteTree(dir);
    }
  }

  private ServerOptions options() {
    return ServerOptions.of(dir.resolve("kernel.sock"));
  }

  @Test
  void acceptedCrashStreamsAWholeCoreWithItsSignal() throws Exception {
    RecordingHandler handler = new RecordingHandler();
    try (CoredumpSocketServer server = CoredumpSocketServer.start(options(), handler);
        CorePatternGuard pattern = CorePatternGuard.set("@@" + server.path());
        Crasher c = Crasher.start(crasher)) {
      handler.expected.add(c.childPid());
      c.crash();
      Crasher.WaitStatus status = c.await();

      assertThat(status.signaled()).isTrue();
      assertThat(status.signal()).isEqualTo(11);
      assertThat(status.coreDumped()).as("WCOREDUMP").isTrue();
      await().atMost(30, SECONDS).until(() -> handler.seen.containsKey(c.childPid()));
      Seen seen = handler.seen.get(c.childPid());
      assertThat(seen.peer().tgid()).isEqualTo(c.childPid());
      assertThat(seen.peer().credentials().pid()).isEqualTo(c.childPid());
      assertThat(seen.peer().ruid()).isZero();
      assertThat(seen.peer().coredumpMask() & PidfdInfo.PIDFD_COREDUMP_USER).isNotZero();
      assertThat(seen.peer().sensitive()).isFalse();
      assertThat(seen.commAtDecide()).as("/proc/PID/comm before the ack").contains("crasher");
      assertThat(seen.procAliveAfterEof()).as("WAIT holds the task after the core").isTrue();
      assertThat(seen.outcome().status()).isEqualTo(Status.COMPLETE);
      assertThat(seen.notes().signal()).hasValue(11);
      assertThat(seen.notes().signalCode()).hasValue(1); // SEGV_MAPERR
      assertThat(seen.notes().faultAddress()).hasValue(0L);
      assertThat(seen.notes().tid()).hasValue(c.childPid());
      assertThat(seen.notes().command()).contains("crasher");
      assertThat(seen.notes().arguments()).hasValue(crasher.toString());
      assertThat(seen.bytes()).isGreaterThan(1 << 20); // the child's touched heap
      assertThat(seen.notes().announcedSize()).hasValue(seen.bytes());
      assertThat(server.stats().accepted()).isEqualTo(1);
      assertThat(server.stats().completed()).isEqualTo(1);
    }
  }

  @Test
  void rejectedCrashGetsNoCore() throws Exception {
    RecordingHandler handler = new RecordingHandler();
    handler.rejectAll = true;
    try (CoredumpSocketServer server = CoredumpSocketServer.start(options(), handler);
        CorePatternGuard pattern = CorePatternGuard.set("@@" + server.path());
        Crasher c = Crasher.start(crasher)) {
      handler.expected.add(c.childPid());
      c.crash();
      Crasher.WaitStatus status = c.await();

      assertThat(status.signaled()).isTrue();
      assertThat(status.signal()).isEqualTo(11);
      assertThat(status.coreDumped()).as("WCOREDUMP after REJECT").isFalse();
      await().atMost(30, SECONDS).until(() -> handler.seen.containsKey(c.childPid()));
      Seen seen = handler.seen.get(c.childPid());
      assertThat(seen.outcome().status()).isEqualTo(Status.REJECTED);
      assertThat(seen.outcome().bytes()).isZero();
      assertThat(seen.outcome().detail()).isEqualTo("the test rejects it");
      assertThat(server.stats().rejected()).isEqualTo(1);
    }
  }

  @Test
  void userspaceClientIsRefusedAndTheServerGoesOn() throws Exception {
    RecordingHandler handler = new RecordingHandler();
    try (CoredumpSocketServer server = CoredumpSocketServer.start(options(), handler);
        CorePatternGuard pattern = CorePatternGuard.set("@@" + server.path())) {
      try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        client.connect(UnixDomainSocketAddress.of(server.path()));
        // a fake kernel request: the server must not answer it
        client.write(ByteBuffer.wrap(new byte[16]));
        assertThat(readOrReset(client)).as("closed without an ack").isEqualTo(-1);
      }
      await().atMost(30, SECONDS).until(() -> server.stats().refusedNotKernel() == 1);
      assertThat(handler.seen).isEmpty();

      try (Crasher c = Crasher.start(crasher)) {
        handler.expected.add(c.childPid());
        c.crash();
        assertThat(c.await().coreDumped()).isTrue();
        await().atMost(30, SECONDS).until(() -> handler.seen.containsKey(c.childPid()));
        assertThat(handler.seen.get(c.childPid()).outcome().status()).isEqualTo(Status.COMPLETE);
      }
    }
  }

  @Test
  void crashStormWaitsInTheBacklogAndLosesNoCore() throws Exception {
    int crashes = 50;
    RecordingHandler handler = new RecordingHandler();
    ServerOptions options = options().withWorkers(2);
    List<Crasher> started = new ArrayList<>();
    try (CoredumpSocketServer server = CoredumpSocketServer.start(options, handler);
        CorePatternGuard pattern = CorePatternGuard.set("@@" + server.path())) {
      try {
        for (int i = 0; i < crashes; i++) {
          Crasher c = Crasher.start(crasher);
          started.add(c);
          handler.expected.add(c.childPid());
        }
        for (Crasher c : started) {
          c.crash();
        }
        for (Crasher c : started) {
          assertThat(c.await().coreDumped()).as("WCOREDUMP of " + c.childPid()).isTrue();
        }
      } finally {
        started.forEach(Crasher::close);
      }
      await().atMost(60, SECONDS).until(() -> handler.seen.size() == crashes);
      assertThat(handler.seen.keySet()).containsExactlyInAnyOrderElementsOf(handler.expected);
      for (Seen seen : handler.seen.values()) {
        assertThat(seen.outcome().status()).isEqualTo(Status.COMPLETE);
        assertThat(seen.notes().announcedSize()).hasValue(seen.bytes());
        assertThat(seen.notes().signal()).hasValue(11);
      }
      assertThat(server.stats().completed()).isEqualTo(crashes);
      assertThat(server.stats().failed()).isZero();
    }
  }

  @Test
  void connectionDeadlineTruncatesAndReleasesTheTask() throws Exception {
    RecordingHandler handler =
        new RecordingHandler() {
          @Override
          void consumed(CrashingPeer peer, int n) {
            sleep(4000); // stall past the 2 s deadline after the first read
          }
        };
    ServerOptions options = options().withConnectionDeadline(Duration.ofSeconds(2));
    try (CoredumpSocketServer server = CoredumpSocketServer.start(options, handler);
        CorePatternGuard pattern = CorePatternGuard.set("@@" + server.path());
        Crasher c = Crasher.start(crasher)) {
      handler.expected.add(c.childPid());
      c.crash();
      Crasher.WaitStatus status = c.await();
      assertThat(status.signal()).isEqualTo(11);
      await().atMost(30, SECONDS).until(() -> handler.seen.containsKey(c.childPid()));
      CoreOutcome outcome = handler.seen.get(c.childPid()).outcome();
      assertThat(outcome.status()).isEqualTo(Status.TRUNCATED);
      assertThat(outcome.detail()).contains("deadline");
      assertThat(outcome.bytes()).isPositive();
      assertThat(server.stats().failed()).isEqualTo(1);
    }
  }

  @Test
  void streamModeTakesTheCoreWithoutAsking() throws Exception {
    RecordingHandler handler = new RecordingHandler();
    ServerOptions options = options().withPattern(SocketPattern.STREAM);
    try (CoredumpSocketServer server = CoredumpSocketServer.start(options, handler);
        CorePatternGuard pattern = CorePatternGuard.set("@" + server.path());
        Crasher c = Crasher.start(crasher)) {
      handler.expected.add(c.childPid());
      c.crash();
      assertThat(c.await().coreDumped()).isTrue();
      await().atMost(30, SECONDS).until(() -> handler.seen.containsKey(c.childPid()));
      Seen seen = handler.seen.get(c.childPid());
      assertThat(seen.outcome().status()).isEqualTo(Status.COMPLETE);
      assertThat(seen.notes().announcedSize()).hasValue(seen.bytes());
      assertThat(seen.notes().signal()).hasValue(11);
    }
  }

  @Test
  void closeRemovesTheSocketAndThePatternIsBack() throws Exception {
    String before = KernelSupport.host().corePattern();
    Path socket;
    CoredumpSocketServer server = CoredumpSocketServer.start(options(), new RecordingHandler());
    try (CorePatternGuard pattern = CorePatternGuard.set("@@" + server.path())) {
      socket = server.path();
      assertThat(socket).exists();
      assertThat(Files.getPosixFilePermissions(socket))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    } finally {
      server.close();
    }
    assertThat(socket).doesNotExist();
    assertThat(KernelSupport.host().corePattern()).isEqualTo(before);
    server.close(); // twice is fine
  }

  @Test
  void closeLetsACoreInFlightFinish() throws Exception {
    RecordingHandler handler =
        new RecordingHandler() {
          @Override
          public Decision decide(CrashingPeer peer) throws IOException {
            sleep(1000); // the kernel waits for the ack meanwhile
            return super.decide(peer);
          }
        };
    CoredumpSocketServer server = CoredumpSocketServer.start(options(), handler);
    try (Crasher c = Crasher.start(crasher)) {
      handler.expected.add(c.childPid());
      try (CorePatternGuard pattern = CorePatternGuard.set("@@" + server.path())) {
        c.crash();
        await().atMost(30, SECONDS).until(() -> server.stats().inFlight() == 1);
      }
      server.close();
      assertThat(handler.seen.get(c.childPid()).outcome().status()).isEqualTo(Status.COMPLETE);
      assertThat(c.await().coreDumped()).isTrue();
    } finally {
      server.close();
    }
  }

  @Test
  void closeAbortsWhatOutlastsTheGrace() throws Exception {
    RecordingHandler handler =
        new RecordingHandler() {
          @Override
          void consumed(CrashingPeer peer, int n) {
            sleep(3000);
          }
        };
    ServerOptions options = options().withCloseGrace(Duration.ofMillis(500));
    CoredumpSocketServer server = CoredumpSocketServer.start(options, handler);
    try (Crasher c = Crasher.start(crasher)) {
      handler.expected.add(c.childPid());
      try (CorePatternGuard pattern = CorePatternGuard.set("@@" + server.path())) {
        c.crash();
        await().atMost(30, SECONDS).until(() -> server.stats().accepted() == 1);
      }
      server.close();
      CoreOutcome outcome = handler.seen.get(c.childPid()).outcome();
      assertThat(outcome.status()).isEqualTo(Status.TRUNCATED);
      assertThat(outcome.detail()).isEqualTo("the server closed");
      assertThat(c.await().signal()).isEqualTo(11);
    } finally {
      server.close();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aSecondServerOnTheSamePathIsRefused() throws Exception {
    try (CoredumpSocketServer server =
        CoredumpSocketServer.start(options(), new RecordingHandler())) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> CoredumpSocketServer.start(options(), new RecordingHandler()))
          .hasMessageContaining("Another server listens on " + server.path());
      await().atMost(30, SECONDS).until(() -> server.stats().refusedNotKernel() == 1);
    }
  }

  @Test
  void staleSocketFileIsReplaced() throws Exception {
    Path socket = dir.resolve("kernel.sock");
    try (java.nio.channels.ServerSocketChannel dead =
        java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).as("a dead server's socket file").exists();
    try (CoredumpSocketServer server =
        CoredumpSocketServer.start(options(), new RecordingHandler())) {
      assertThat(server.path()).exists();
    }
    assertThat(socket).doesNotExist();
  }

  /** -1 at end of stream; closing with our bytes unread resets the connection, also -1. */
  private static int readOrReset(SocketChannel client) throws IOException {
    try {
      return client.read(ByteBuffer.allocate(16));
    } catch (java.net.SocketException e) {
      assertThat(e).hasMessageContaining("Connection reset");
      return -1;
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
