package dev.coroner.receiver.service;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.capture.Prewarm;
import dev.coroner.capture.log.CaptureLog;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.capture.write.ReadAhead;
import dev.coroner.capture.write.StalePartials;
import dev.coroner.receiver.CoreOutcome;
import dev.coroner.receiver.CrashingPeer;
import dev.coroner.receiver.ServerListener;
import dev.coroner.receiver.ServerOptions;
import dev.coroner.receiver.capture.SocketCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The standalone receiver for one host: {@code PREFIX/receiver}, run by {@code
 * PREFIX/receiver-supervisor} (or a systemd unit). It reads the composer's settings, removes stale
 * partial dumps, listens on the socket, and only then points core_pattern at it. On SIGTERM it puts
 * the pipe composer's pattern back first, then lets the captures in flight finish (the close
 * grace), then exits. Exit codes: {@link ExitCode#NOT_POSSIBLE} when the socket capture cannot run
 * here (the supervisor then stops restarting it), {@link ExitCode#USAGE} for a bad launcher, {@link
 * ExitCode#FAILURE} when the server stopped taking crashes.
 */
public final class Main {
  /** Stale partials are looked for at start and then this often. */
  private static final Duration SWEEP_EVERY = Duration.ofMinutes(30);

  private Main() {}

  /** Runs the receiver until SIGTERM; the exit code is from {@code ExitCode}. */
  public static void main(String[] args) {
    ReceiverConfig config;
    try {
      config = ReceiverConfig.fromSystemProperties();
    } catch (IllegalArgumentException e) {
      System.err.println("coroner-receiver: " + e.getMessage());
      System.exit(ExitCode.USAGE.code());
      return;
    }
    CaptureLog log = CaptureLog.open(config.logFile());
    System.exit(run(config, log).code());
  }

  static ExitCode run(ReceiverConfig config, CaptureLog log) {
    try {
      return serve(config, log);
    } catch (RuntimeException | Error e) {
      log.error("internal error", e);
      return ExitCode.INTERNAL;
    } finally {
      log.flush();
    }
  }

  private static ExitCode serve(ReceiverConfig config, CaptureLog log) {
    say(log, "starting (pid " + ProcessHandle.current().pid() + ", " + version() + ")");
    CaptureSettings.Parsed parsed = CaptureSettings.load(config.configFile());
    parsed.problems().forEach(p -> say(log, "warning: " + p));
    CaptureSettings settings = parsed.settings();
    sweep(settings, log);
    // SHA-256 compiled by C2, zstd's library loaded and the dump's path run once before the
    // first crash, not during it.
    Prewarm.start().sha256();
    // Made (and touched) now, once: not during a crash.
    ReadAhead.reserve((long) config.readAheadMib() << 20);
    try {
      say(log, "warmed up in " + SocketCapture.warmUp(settings) + " ms");
    } catch (IOException e) {
      say(log, "warning: the warm-up capture failed: " + e.getMessage());
    }
    try {
      ensureSocketDirectory(
          java.util.Objects.requireNonNull(
              config.socket().getParent(), "the socket path is absolute"));
    } catch (IOException e) {
      say(log, "cannot prepare " + config.socket().getParent() + ": " + e.getMessage());
      return ExitCode.FAILURE;
    }
    ServerOptions server =
        ServerOptions.of(config.socket())
            .withWorkers(config.workers())
            .withConnectionDeadline(settings.timeout())
            .withCloseGrace(config.closeGrace())
            .withListener(new LogListener(log));
    var capture =
        new SocketCapture(SocketCapture.Options.standalone(parsed, config.logFile(), version()));
    ReceiverService service;
    try {
      service =
          ReceiverService.start(
              new ReceiverService.Options(server, config.fallbackPattern(), m -> say(log, m)),
              capture);
    } catch (ReceiverService.NotStartedException e) {
      say(log, "not started: " + e.getMessage() + " Crashes go through the pipe composer.");
      return e.permanent() ? ExitCode.NOT_POSSIBLE : ExitCode.FAILURE;
    }
    say(
        log,
        "listening on "
            + config.socket()
            + " with "
            + config.workers()
            + " workers, deadline "
            + settings.timeout().toSeconds()
            + " s per crash, read-ahead "
            + config.readAheadMib()
            + " MiB");
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    Thread hook =
        new Thread(
            () -> {
              stopping.set(true);
              say(log, "stopping (SIGTERM)");
              service.close();
              say(log, "stopped");
              stopped.countDown();
            },
            "coroner-receiver-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    long nextSweep = System.nanoTime() + SWEEP_EVERY.toNanos();
    try {
      while (!stopped.await(1, TimeUnit.SECONDS)) {
        if (!stopping.get() && !service.accepting()) {
          say(log, "the server stopped taking crashes; restoring the pipe and exiting");
          service.close();
          return ExitCode.FAILURE;
        }
        if (System.nanoTime() - nextSweep > 0) {
          sweep(settings, log);
          nextSweep = System.nanoTime() + SWEEP_EVERY.toNanos();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ExitCode.OK;
  }

  private static void sweep(CaptureSettings settings, CaptureLog log) {
    for (var removed : StalePartials.sweep(settings.dumpDir(), settings.timeout(), Instant.now())) {
      say(log, removed.describe());
    }
  }

  /**
   * The socket's directory: root's, 0700 (whoever may create the socket there receives every core
   * on the host). Created if missing; an existing one is checked by the server.
   */
  private static void ensureSocketDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
  }

  private static void say(CaptureLog log, String message) {
    log.info(message);
    log.flush();
  }

  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** The server's failures and refusals, in the receiver's log. */
  private static final class LogListener implements ServerListener {
    private final CaptureLog log;

    LogListener(CaptureLog log) {
      this.log = log;
    }

    @Override
    public void refusedNotKernel(String why) {
      say(log, "refused: " + why);
    }

    @Override
    public void connectionFailed(String why) {
      say(log, "connection failed: " + why);
    }

    @Override
    public void coreEnded(CrashingPeer peer, CoreOutcome outcome) {
      // SocketCapture logs each crash with its dump's uuid.
    }
  }
}
