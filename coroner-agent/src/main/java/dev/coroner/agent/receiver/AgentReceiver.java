package dev.coroner.agent.receiver;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.capture.Prewarm;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.capture.write.ReadAhead;
import dev.coroner.capture.write.StalePartials;
import dev.coroner.node.NodeSetup;
import dev.coroner.receiver.CrashingPeer;
import dev.coroner.receiver.ServerListener;
import dev.coroner.receiver.ServerOptions;
import dev.coroner.receiver.capture.SocketCapture;
import dev.coroner.receiver.capture.TriageHook;
import dev.coroner.receiver.kernel.KernelReport;
import dev.coroner.receiver.kernel.KernelSupport;
import dev.coroner.receiver.kernel.SocketPattern;
import dev.coroner.receiver.service.ReceiverService;
import dev.coroner.receiver.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coredump socket receiver hosted in the agent's JVM (docs/receiver.md, "In the agent"): the
 * same {@link SocketCapture} as the receiver of one host, with the agent's CRI triage asked while
 * the kernel holds the task, so each dump carries its pod and {@code container.log}. The pipe
 * composer the node setup installed stays the fallback: {@link #start} listens, starts the {@link
 * PipeWatchdog} and only then points core_pattern at {@code PREFIX/run/coredump.sock}; {@link
 * #close} puts the pipe pattern back first, then lets the captures in flight finish.
 */
public final class AgentReceiver implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentReceiver.class);

  /**
   * The socket, relative to the prefix: the path {@code coroner install --mode socket} uses, so the
   * node setup and the agent's {@code uninstall} count its pattern as theirs.
   */
  public static final String SOCKET = "run/coredump.sock";

  /** The capture log, relative to the prefix (each crash's lines, with its dump's uuid). */
  public static final String LOG_FILE = "receiver.log";

  /** The only core_pattern the receiver writes: the kernel's, in the JVM's /proc. */
  static final Path CORE_PATTERN = Path.of("/proc/sys/kernel/core_pattern");

  /**
   * What the receiver needs from the agent.
   *
   * @param prefix the install prefix; the socket and the log go under it
   * @param procSys the agent's CORONER_PROC_SYS (it must be this JVM's /proc/sys)
   * @param settings the capture settings the node setup wrote for the composer
   * @param pipePattern the pipe composer's pattern: what stop and the watchdog put back
   * @param triage the agent's CRI triage, and how long the kernel's ack waits for it
   * @param readAheadMib MiB of heap kept for reading cores ahead of their hash and compression
   *     (CORONER_READ_AHEAD_MIB; 0 for none)
   * @param events one word per connection for the metrics: accepted, rejected, refused, failed
   */
  public record Options(
      Path prefix,
      Path procSys,
      CaptureSettings settings,
      String pipePattern,
      Triage triage,
      int readAheadMib,
      Consumer<String> events) {}

  /**
   * The agent's triage and its deadline.
   *
   * @param hook who crashed and what to keep
   * @param timeout how long the ack waits; then the core is kept with the pod unknown
   */
  public record Triage(TriageHook hook, Duration timeout) {}

  /** The socket capture cannot run here; the message says why, as sentences. */
  public static final class UnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message) {
      super(message);
    }
  }

  private final ReceiverService service;
  private final PipeWatchdog watchdog;
  private final Path socket;

  private AgentReceiver(ReceiverService service, PipeWatchdog watchdog, Path socket) {
    this.service = service;
    this.watchdog = watchdog;
    this.socket = socket;
  }

  /** The socket under {@code prefix}. */
  public static Path socket(Path prefix) {
    return prefix.resolve(SOCKET);
  }

  /**
   * The node setup of this agent: in a pod that can reach the host's mount namespace (hostPID,
   * privileged), one that restores a saved {@code @} pattern (another socket handler's) through the
   * same nsenter helper as the receiver's own; elsewhere {@code setup} itself (the kernel refuses
   * such a write from the pod's mount namespace, and the setup says so).
   */
  public static NodeSetup restoringSocketPatterns(NodeSetup setup) {
    return HostMountNamespace.locate() instanceof HostMountNamespace.Pod pod
        ? setup.writingSocketPatternsWith(pod.host().writer())
        : setup;
  }

  /**
   * Where the receiver binds its socket and how it writes the pattern: on the host (the initial
   * mount namespace) under the prefix, as {@code coroner install --mode socket} does; in a pod
   * under {@link NodeSetup#POD_SOCKET}'s directory, the host's mounted at the same path, with the
   * {@code @} pattern written from the host's mount namespace through nsenter.
   *
   * @param socket the socket's path, the same on the host and in the agent
   * @param kernel how core_pattern is read and written
   * @param host the host's mount namespace when the agent is in a pod's
   */
  private record Placement(
      Path socket, KernelSupport kernel, HostMountNamespace.@Nullable Pod host) {
    /** For the log: how the pattern is written, when not from here. */
    String where() {
      HostMountNamespace.Pod pod = host;
      return pod == null
          ? ""
          : "; in a pod: core_pattern set from the host's mount namespace (nsenter -t "
              + pod.host().reference()
              + " -m), "
              + socket.getParent()
              + " is the host's";
    }
  }

  /**
   * Why the socket capture cannot run in this agent, one sentence each; empty when it can: the
   * kernel's socket mode, Java 22+ with native access, the JVM's own /proc/sys, and, in a pod,
   * hostPID, nsenter, CAP_SYS_ADMIN and a socket directory that is the host's.
   */
  public static List<String> problems(Options options) {
    List<String> problems = new ArrayList<>();
    placement(options, problems);
    return problems;
  }

  private static Placement placement(Options options, List<String> problems) {
    int feature = Runtime.version().feature();
    if (feature < 22) {
      problems.add(
          "The receiver needs Java 22 or newer (its syscalls use the FFM API); this agent runs on"
              + " Java "
              + feature
              + ": run it on the agent image's Java 25.");
    } else {
      String why = Syscalls.system().unavailableReason();
      if (!why.isEmpty()) {
        problems.add(why + ".");
      }
    }
    if (!options.procSys().equals(Path.of("/proc/sys"))) {
      problems.add(
          "The receiver sets "
              + CORE_PATTERN
              + " itself, but CORONER_PROC_SYS is "
              + options.procSys()
              + ".");
    }
    Placement placement = new Placement(socket(options.prefix()), KernelSupport.host(), null);
    HostMountNamespace.Where where = HostMountNamespace.locate();
    if (where instanceof HostMountNamespace.Unusable u) {
      problems.add(u.why());
    } else if (where instanceof HostMountNamespace.Pod pod) {
      placement =
          new Placement(
              NodeSetup.POD_SOCKET,
              KernelSupport.host().writingSocketPatternsWith(pod.host().writer()),
              pod);
      problems.addAll(pod.host().problems());
      Path dir = Objects.requireNonNull(NodeSetup.POD_SOCKET.getParent(), "an absolute path");
      if (!Files.isDirectory(dir)) {
        problems.add(
            "The agent runs in a pod, and its socket must be in a directory the host shares at"
                + " the same path, but there is no "
                + dir
                + ": mount the host's "
                + dir
                + " at "
                + dir
                + " (hostPath; the chart does when agent.coreHandler is not pipe).");
      } else {
        pod.host().notTheHosts(dir).ifPresent(problems::add);
      }
    }
    KernelReport kernel = placement.kernel().report();
    if (!kernel.usable(SocketPattern.REQUEST) && !kernel.usable(SocketPattern.STREAM)) {
      problems.addAll(kernel.problems(SocketPattern.STREAM));
    }
    return placement;
  }

  /**
   * Removes the partial dumps killed captures left in the dump directory (older than the capture
   * timeout and a grace), as the receiver of one host does at start; each one logged and passed to
   * {@code removed}. Never throws.
   */
  public static List<StalePartials.Removed> sweepStalePartials(
      CaptureSettings settings, Consumer<StalePartials.Removed> removed) {
    List<StalePartials.Removed> swept =
        StalePartials.sweep(settings.dumpDir(), settings.timeout(), Instant.now());
    for (StalePartials.Removed r : swept) {
      LOG.warn("{}", r.describe());
      removed.accept(r);
    }
    return swept;
  }

  /**
   * Listens on the socket, starts the watchdog, then points core_pattern at the socket.
   *
   * @throws UnavailableException nothing was changed; the message says why
   */
  public static AgentReceiver start(Options options) throws UnavailableException {
    List<String> problems = new ArrayList<>();
    Placement placement = placement(options, problems);
    if (!problems.isEmpty()) {
      throw new UnavailableException(String.join(" ", problems));
    }
    Path socket = placement.socket();
    Path log = options.prefix().resolve(LOG_FILE);
    CaptureSettings settings = options.settings();
    long readAhead = (long) options.readAheadMib() << 20;
    long heap = Runtime.getRuntime().maxMemory();
    if (readAhead > heap / 2) {
      throw new UnavailableException(
          "CORONER_READ_AHEAD_MIB="
              + options.readAheadMib()
              + " is more than half of the agent's heap ("
              + (heap >> 20)
              + " MiB, -Xmx in jvm.options): lower it, or raise -Xmx by as much.");
    }
    // SHA-256 compiled by C2, zstd loaded and the dump's path run once before the first crash.
    var unused = Prewarm.start().sha256();
    try {
      AtomicFiles.ensurePrivateDirectory(
          Objects.requireNonNull(socket.getParent(), "the socket is in a directory"));
      LOG.info("receiver warmed up in {} ms", SocketCapture.warmUp(settings));
    } catch (IOException e) {
      throw new UnavailableException("Cannot prepare " + socket + ": " + e.getMessage() + ".");
    }
    var capture =
        new SocketCapture(
            SocketCapture.Options.standalone(
                    new CaptureSettings.Parsed(settings, List.of()), log, version())
                .withTriage(options.triage().hook(), options.triage().timeout()));
    ServerOptions server =
        ServerOptions.of(socket)
            .withWorkers(ServerOptions.DEFAULT_WORKERS)
            .withConnectionDeadline(settings.timeout())
            .withListener(new Events(options.events()));
    // The watchdog first: from the moment core_pattern names the socket, the JVM's death puts the
    // pipe back.
    PipeWatchdog watchdog;
    try {
      watchdog = PipeWatchdog.start(options.pipePattern(), socket, CORE_PATTERN, log);
    } catch (IOException e) {
      throw new UnavailableException(
          "Cannot start the pipe watchdog (/bin/sh): " + e.getMessage() + ".");
    }
    // Made (and touched) now, once: not during a crash.
    ReadAhead.reserve(readAhead);
    try {
      ReceiverService service =
          ReceiverService.start(
              new ReceiverService.Options(server, options.pipePattern(), m -> LOG.info("{}", m)),
              capture,
              placement.kernel());
      LOG.info(
          "receiver on {} (pipe watchdog pid {}): {} workers, deadline {} s per crash,"
              + " read-ahead {} MiB{}",
          socket,
          watchdog.pid(),
          ServerOptions.DEFAULT_WORKERS,
          settings.timeout().toSeconds(),
          options.readAheadMib(),
          placement.where());
      return new AgentReceiver(service, watchdog, socket);
    } catch (ReceiverService.NotStartedException e) {
      ReadAhead.reserve(0); // the pipe takes the crashes: nothing reads ahead
      watchdog.close();
      throw new UnavailableException(String.valueOf(e.getMessage()));
    }
  }

  /** The socket pattern in force, e.g. {@code @@/opt/coroner/run/coredump.sock}. */
  public String pattern() {
    return service.pattern();
  }

  /** The socket it listens on. */
  public Path socket() {
    return socket;
  }

  /** Whether it still takes crashes (its accept loop can die of an unexpected error). */
  public boolean accepting() {
    return service.accepting() && watchdog.alive();
  }

  /**
   * The pipe pattern back first (while core_pattern still names the socket), then the backlog and
   * the captures in flight; then the watchdog ends with nothing to do. Idempotent.
   */
  @Override
  public void close() {
    try {
      service.close();
    } finally {
      watchdog.close();
    }
  }

  private static String version() {
    String v = AgentReceiver.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** The server's counters as words for the metrics; refusals and failures in the log too. */
  private static final class Events implements ServerListener {
    private final Consumer<String> events;

    Events(Consumer<String> events) {
      this.events = events;
    }

    @Override
    public void coreAccepted(CrashingPeer peer) {
      events.accept("accepted");
    }

    @Override
    public void coreRejected(CrashingPeer peer, String reason) {
      events.accept("rejected");
    }

    @Override
    public void refusedNotKernel(String why) {
      LOG.warn("receiver refused a connection: {}", why);
      events.accept("refused");
    }

    @Override
    public void connectionFailed(String why) {
      LOG.warn("receiver connection failed: {}", why);
      events.accept("failed");
    }
  }
}
