package dev.coroner.receiver.capture;

import dev.coroner.capture.CrashFacts;
import dev.coroner.capture.DumpAssembly;
import dev.coroner.capture.ExeFilter;
import dev.coroner.capture.Uuids;
import dev.coroner.capture.identity.CrashQuery;
import dev.coroner.capture.identity.CrashVerdict;
import dev.coroner.capture.identity.Decision;
import dev.coroner.capture.log.CaptureLog;
import dev.coroner.capture.proc.ProcSnapshot;
import dev.coroner.capture.seal.Sealing;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.capture.write.CoreCopier;
import dev.coroner.capture.write.DumpWriter;
import dev.coroner.receiver.CoreOutcome;
import dev.coroner.receiver.CoredumpHandler;
import dev.coroner.receiver.CrashingPeer;
import dev.coroner.receiver.elf.CoreNotes;
import dev.coroner.receiver.sys.Syscalls;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Turns each crash the kernel hands to the coredump socket into the same dump the pipe composer
 * writes ({@link DumpAssembly}): same name, entries, dump-info, sha256 and truncation flag.
 *
 * <p>Before the ack, while the kernel holds the task: the exe filter, /proc through the peer's
 * pidfd, and the triage hook (for a container). A skip is a REJECT (no byte of core is sent); a
 * metadata-only verdict rejects the core too and writes the metadata once the task has exited.
 * After the ack the core's head is read first (the name holds the signal, which on 6.18 only the
 * core's notes tell), then the core streams into the dump; the task is released as soon as the core
 * is read, while the dump is being finished. Never throws for a crash: every outcome is a log line.
 */
public final class SocketCapture implements CoredumpHandler {
  /**
   * What the capture needs.
   *
   * @param settings the composer's settings ({@code composer.properties})
   * @param settingsProblems what was wrong with them, repeated in each dump's warnings
   * @param logFile the receiver's log; null for stderr
   * @param triage asked for a container's crash; empty on one host (no agent)
   * @param triageTimeout how long the kernel's ack waits for the triage
   * @param version this receiver's version, for dump-info
   */
  public record Options(
      CaptureSettings settings,
      List<String> settingsProblems,
      @Nullable Path logFile,
      Optional<TriageHook> triage,
      Duration triageTimeout,
      String version) {
    public Options {
      settingsProblems = List.copyOf(settingsProblems);
    }

    /** One host: no triage; the triage timeout is the settings' agent timeout. */
    public static Options standalone(
        CaptureSettings.Parsed parsed, @Nullable Path logFile, String version) {
      return new Options(
          parsed.settings(),
          parsed.problems(),
          logFile,
          Optional.empty(),
          parsed.settings().agentTimeout(),
          version);
    }

    /** The same with a triage hook that answers within {@code timeout}. */
    public Options withTriage(TriageHook hook, Duration timeout) {
      return new Options(settings, settingsProblems, logFile, Optional.of(hook), timeout, version);
    }
  }

  /** A rejected task gets this long to exit, so its metadata-only dump names its signal. */
  private static final Duration EXIT_WAIT = Duration.ofSeconds(2);

  private final Options options;
  private final Path procRoot;
  private final Syscalls sys;
  private final PeerFacts facts;
  private final Triage triage;
  private final Map<Long, Capture> open = new ConcurrentHashMap<>();

  /** One crash between decide and ended. */
  private static final class Capture {
    final long started = System.nanoTime();
    final String uuid = Uuids.random();
    final CaptureLog log;
    final List<String> warnings = new ArrayList<>();
    @Nullable ProcSnapshot proc;
    @Nullable CrashVerdict verdict;
    @Nullable Sealing sealing;
    byte @Nullable [] environ; // for the scrub step, read while the task still exists
    @Nullable CrashFacts
        rejected; // a metadata-only crash's facts, read while the task still existed

    Capture(@Nullable Path logFile) {
      log = CaptureLog.open(logFile);
      log.uuid(uuid);
    }
  }

  public SocketCapture(Options options) {
    this(options, Path.of("/proc"), Syscalls.system());
  }

  SocketCapture(Options options, Path procRoot, Syscalls sys) {
    this.options = options;
    this.procRoot = procRoot;
    this.sys = sys;
    this.facts = new PeerFacts(procRoot, new UtsHostnames(sys));
    this.triage = new Triage(options.triage(), options.triageTimeout());
  }

  @Override
  public dev.coroner.receiver.Decision decide(CrashingPeer peer) {
    Capture c = new Capture(options.logFile());
    CaptureSettings settings = options.settings();
    Path dir = procRoot.resolve(Integer.toString(peer.tgid()));
    String exe = exePath(dir);
    String comm = read(dir.resolve("comm"));
    c.log.info(
        "crash: pid "
            + peer.tgid()
            + " "
            + comm
            + " ("
            + exe
            + ") uid "
            + peer.ruid()
            + " via the coredump socket, connection "
            + peer.connection());
    c.warnings.addAll(options.settingsProblems());
    c.warnings.addAll(ExeFilter.invalid(settings.excludeExe()));
    String excludedBy = ExeFilter.excludedBy(settings.excludeExe(), exe, comm);
    if (excludedBy != null) {
      c.log.info("skipped: " + exe + " matches filter.exclude-exe '" + excludedBy + "'; REJECT");
      c.log.flush();
      return dev.coroner.receiver.Decision.reject(
          "filter.exclude-exe '" + excludedBy + "' matches " + exe);
    }
    c.proc = ProcSnapshot.read(procRoot, peer.tgid(), peer.pidfd(), settings.environ());
    c.warnings.addAll(c.proc.warnings());
    Sealing sealing = Sealing.of(settings, c.log);
    c.sealing = sealing;
    c.environ = sealing.wantsEnviron() ? ProcSnapshot.environ(procRoot, peer.tgid()) : null;
    CrashVerdict verdict = triage.verdict(c, peer, comm);
    c.verdict = verdict;
    return switch (verdict.decision()) {
      case SKIP -> {
        c.log.info("skipped by the triage: " + verdict.reason() + "; REJECT");
        c.log.flush();
        yield dev.coroner.receiver.Decision.reject("skipped: " + verdict.reason());
      }
      case METADATA_ONLY -> {
        // Written in ended(): the task exits first, and its exit status names the signal. The
        // rest is read now, while /proc/PID is still there.
        c.rejected = facts.of(peer, c.proc, CoreNotes.UNKNOWN, new ArrayList<>());
        open.put(peer.connection(), c);
        c.log.info("metadata only (" + verdict.reason() + "); REJECT the core");
        yield dev.coroner.receiver.Decision.reject("metadata only: " + verdict.reason());
      }
      case CAPTURE -> {
        open.put(peer.connection(), c);
        yield dev.coroner.receiver.Decision.accept();
      }
    };
  }

  @Override
  public void receive(CrashingPeer peer, ReadableByteChannel core) {
    Capture c = open.get(peer.connection());
    if (c == null) {
      return; // not ours: decide() never accepts without one
    }
    CoreStart start = CoreStart.read(core);
    CoreNotes notes = start.notes();
    CrashFacts k =
        facts.of(peer, Objects.requireNonNull(c.proc, "decide() read /proc"), notes, c.warnings);
    write(c, k, start);
  }

  @Override
  public void ended(CrashingPeer peer, CoreOutcome outcome) {
    Capture c = open.remove(peer.connection());
    if (c == null) {
      return;
    }
    if (c.verdict != null && c.verdict.decision() == Decision.METADATA_ONLY) {
      var signal = ExitSignal.await(sys, peer, EXIT_WAIT);
      CrashFacts k = Objects.requireNonNull(c.rejected, "set with METADATA_ONLY");
      if (signal.isPresent()) {
        k = withSignal(k, signal.getAsInt());
      } else {
        c.warnings.add("the task's exit status did not come; the signal is unknown");
      }
      write(c, k, null);
    }
    c.log.info(
        "connection "
            + peer.connection()
            + " ended: "
            + outcome.status()
            + ", "
            + outcome.bytes()
            + " bytes of core received ("
            + outcome.detail()
            + ")");
    c.log.flush();
  }

  private void write(Capture c, CrashFacts k, @Nullable ReadableByteChannel core) {
    Sealing sealing = Objects.requireNonNull(c.sealing, "decide() chose the sealing");
    var dump =
        DumpAssembly.of(
            sealing.writeTo(),
            new DumpAssembly.Crash(
                c.uuid,
                k,
                Objects.requireNonNull(c.proc, "decide() read /proc"),
                Objects.requireNonNull(c.verdict, "decide() asked the triage")),
            c.warnings);
    c.warnings.forEach(w -> c.log.info("warning: " + w));
    c.log.info(
        "signal "
            + k.signal()
            + ", thread "
            + k.hostTid()
            + ", host "
            + k.hostname()
            + "; reading the core after "
            + (System.nanoTime() - c.started) / 1_000_000
            + " ms");
    try {
      sealing.leaveEnviron(dump.name(), c.environ);
      DumpWriter.Written written =
          dump.write(
              core,
              CoreCopier::sha256,
              () -> {},
              new DumpAssembly.Producer(
                  options.version(), c.started, DumpAssembly.nodeHostname(procRoot)),
              c.log,
              sealing.streamSeal(c.environ));
      c.log.info(DumpAssembly.describe(written));
      // The kernel has the whole core back: scrubbing is off the crashing process's path.
      sealing.complete(written, c.environ);
    } catch (DumpWriter.NotWrittenException e) {
      c.log.info("no dump written: " + e.getMessage());
      sealing.forget(dump.name());
    } catch (RuntimeException e) {
      c.log.error("internal error while writing the dump", e);
    } finally {
      if (c.environ != null) {
        java.util.Arrays.fill(c.environ, (byte) 0);
      }
    }
  }

  /**
   * Runs one synthetic capture (a training core of this process, written to a scratch directory and
   * removed), so that the first real crash does not wait for class loading and the JIT: the zip,
   * zstd and hashing paths are compiled before the socket is registered.
   *
   * @return how long it took, in milliseconds
   */
  public static long warmUp(CaptureSettings settings) throws IOException {
    long start = System.nanoTime();
    Path scratch = Files.createTempDirectory("coroner-receiver-warmup");
    try {
      var s = settings.withDumpDir(scratch.resolve("dumps"));
      long pid = ProcessHandle.current().pid();
      var proc = ProcSnapshot.read(Path.of("/proc"), pid, -1, s.environ());
      var crash =
          new DumpAssembly.Crash(
              Uuids.random(),
              new CrashFacts(pid, pid, pid, pid, 6, 0, "warmup", "java", null, "0", 0, 0),
              proc,
              new CrashVerdict(Decision.CAPTURE, null, null, ""));
      for (int i = 0; i < 3; i++) {
        var core =
            CoreStart.read(
                java.nio.channels.Channels.newChannel(
                    new java.io.ByteArrayInputStream(
                        dev.coroner.dump.elf.TrainingCore.of(8 << 20))));
        CaptureLog quiet = CaptureLog.open(scratch.resolve("log"));
        DumpAssembly.of(s, crash, new ArrayList<>())
            .write(
                core,
                CoreCopier::sha256,
                () -> {},
                new DumpAssembly.Producer("warmup", start, "warmup"),
                quiet);
      }
    } catch (DumpWriter.NotWrittenException e) {
      throw new IOException(e.getMessage(), e);
    } finally {
      try (var files = Files.walk(scratch)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static CrashFacts withSignal(CrashFacts k, int signal) {
    return new CrashFacts(
        k.hostPid(),
        k.pid(),
        k.hostTid(),
        k.tid(),
        signal,
        k.timestamp(),
        k.hostname(),
        k.comm(),
        k.exePath(),
        k.coreLimit(),
        k.uid(),
        k.gid());
  }

  private static @Nullable String exePath(Path dir) {
    try {
      return Files.readSymbolicLink(dir.resolve("exe")).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private static @Nullable String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      return null;
    }
  }

  /** The triage hook, bounded by its timeout: the crashing task waits for the ack meanwhile. */
  private static final class Triage {
    private final Optional<TriageHook> hook;
    private final Duration timeout;

    Triage(Optional<TriageHook> hook, Duration timeout) {
      this.hook = hook;
      this.timeout = timeout;
    }

    CrashVerdict verdict(Capture c, CrashingPeer peer, @Nullable String comm) {
      CrashVerdict keep = new CrashVerdict(Decision.CAPTURE, null, null, "");
      ProcSnapshot proc = Objects.requireNonNull(c.proc, "/proc is read before the triage");
      if (hook.isEmpty() || proc.containerId() == null) {
        return keep;
      }
      // The query's signal is unknown before the core's notes (6.18); 6.19+ has it already.
      var query =
          new CrashQuery(
              c.uuid, proc.containerId(), peer.tgid(), comm, peer.info().coredumpSignal());
      long asked = System.nanoTime();
      var answer = new java.util.concurrent.CompletableFuture<CrashVerdict>();
      Thread t =
          new Thread(
              () -> {
                try {
                  answer.complete(hook.get().triage(query));
                } catch (Throwable e) {
                  answer.completeExceptionally(e);
                }
              },
              "coroner-receiver-triage");
      t.setDaemon(true);
      t.start();
      try {
        CrashVerdict v = answer.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        c.log.info(
            "triage answered in "
                + (System.nanoTime() - asked) / 1_000_000
                + " ms: "
                + v.decision().id()
                + (v.pod() == null ? ", pod unknown" : ", pod " + v.pod().qualifiedName()));
        return v;
      } catch (java.util.concurrent.TimeoutException e) {
        c.warnings.add(
            "pod identity unknown: no triage answer within " + timeout.toMillis() + " ms");
      } catch (java.util.concurrent.ExecutionException e) {
        c.warnings.add("pod identity unknown: the triage failed: " + e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        c.warnings.add("pod identity unknown: interrupted while asking");
      }
      return keep;
    }
  }
}
