package dev.coroner.agent;

import dev.coroner.agent.analysis.DumpAnalysis;
import dev.coroner.agent.binaries.BinaryCache;
import dev.coroner.agent.binaries.BinaryHolds;
import dev.coroner.agent.binaries.BinaryKeeper;
import dev.coroner.agent.binaries.BinaryPolicy;
import dev.coroner.agent.config.AgentConfig;
import dev.coroner.agent.cri.ContainerMetadata;
import dev.coroner.agent.cri.ContainerProcess;
import dev.coroner.agent.cri.CriException;
import dev.coroner.agent.identity.CrashTriage;
import dev.coroner.agent.identity.FloodControl;
import dev.coroner.agent.identity.IdentityServer;
import dev.coroner.agent.identity.RuntimeLookup;
import dev.coroner.agent.kube.CoreDumpPublisher;
import dev.coroner.agent.kube.KubeClients;
import dev.coroner.agent.kube.PodEvents;
import dev.coroner.agent.kube.PodOwners;
import dev.coroner.agent.kube.PodRef;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.agent.metrics.HealthServer;
import dev.coroner.agent.receiver.AgentReceiver;
import dev.coroner.agent.seal.DumpSealing;
import dev.coroner.agent.snapshot.ContainerRuntime;
import dev.coroner.agent.snapshot.SnapshotReconciler;
import dev.coroner.agent.trigger.SnapshotTriggers;
import dev.coroner.agent.upload.DumpUploader;
import dev.coroner.agent.watch.DumpWatcher;
import dev.coroner.analysis.Analyzer;
import dev.coroner.analysis.AnalyzerConfig;
import dev.coroner.analysis.ProcessRunner;
import dev.coroner.analysis.ToolPaths;
import dev.coroner.base.retry.RetryPolicy;
import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.dump.Signals;
import dev.coroner.node.CaptureMode;
import dev.coroner.node.ComposerPayload;
import dev.coroner.node.InstallException;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.NodeSetup;
import dev.coroner.seal.DumpScrubber;
import dev.coroner.snapshot.Snapshotter;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.VerifiedUploads;
import dev.coroner.store.s3.S3Store;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent: sets the node up (composer + kernel settings), then watches the dump directory
 * and uploads every finished dump, and on stop restores the node if configured to.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  /** The agent's scratch space under the prefix: stripped node copies, binaries, cores. */
  private static final String CACHE = "cache";

  /**
   * The host's root file system, since the agent shares the host's PID namespace: init's root, or
   * else kthreadd's (PID 2, always in the initial mount namespace; some inits, as this kind of
   * VM's, refuse even root a look at theirs); "/" when neither can be read (an agent run on the
   * host itself without CAP_SYS_PTRACE over them).
   */
  private static Path hostRoot() {
    return hostRoot(List.of(Path.of("/proc/1/root"), Path.of("/proc/2/root")));
  }

  /** The first of {@code roots} that lists anything, else "/". */
  static Path hostRoot(List<Path> roots) {
    for (Path root : roots) {
      try (var entries = Files.list(root)) {
        if (entries.findAny().isPresent()) {
          return root;
        }
        LOG.info("{} is empty", root);
      } catch (IOException | UncheckedIOException | SecurityException e) {
        LOG.info("{} cannot be read ({})", root, e.toString());
      }
    }
    LOG.info("host files are read from /");
    return Path.of("/");
  }

  private final AgentConfig config;
  private final AgentMetrics metrics = new AgentMetrics();
  private final ScheduledExecutorService gauges =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("coroner-gauges"));
  private volatile boolean ready;
  private HealthServer http;
  private Store store;
  private DumpUploader uploader;
  private DumpWatcher watcher;
  private RuntimeLookup runtime;
  private CrashTriage triage;
  private IdentityServer identity;
  private @Nullable KubernetesClient kube;
  private @Nullable PodEvents events;
  private @Nullable PodOwners owners;
  private @Nullable CoreDumpPublisher coreDumps;
  private @Nullable BinaryCache binaryCache;
  private @Nullable BinaryHolds holds;
  private @Nullable SnapshotReconciler snapshots;
  private volatile @Nullable AgentReceiver receiver;
  private @Nullable SnapshotTriggers triggers;

  // The services are set by start() and used after it; close() checks each (a failed start).
  @SuppressWarnings("NullAway.Init")
  public Agent(AgentConfig config) {
    this.config = config;
  }

  /** Starts everything; returns once the agent is ready. */
  public void start() throws IOException, InstallException, StoreException {
    http = HealthServer.start(config.metricsPort(), metrics, () -> ready);
    LOG.info("metrics and health on port {}", http.port());
    // Listening before core_pattern points at the composer: the first crash may come at once.
    startIdentity();
    if (config.install()) {
      nodeSetup()
          .install(
              new InstallOptions(
                  config.prefix(),
                  config.procSys(),
                  ComposerPayload.javaHome(),
                  ComposerPayload.jars(),
                  config.capture(),
                  16),
              false);
    }
    startReceiver();
    store =
        S3Store.open(
            Objects.requireNonNull(config.store(), "Main runs the agent with a store"),
            config.s3());
    if (kube != null && owners != null && config.identity().coreDumps()) {
      coreDumps =
          new CoreDumpPublisher(
              kube,
              store.url(),
              config.identity().hostNamespace(),
              owners,
              r -> metrics.coreDumps.labelValues(r.label()).inc());
      LOG.info(
          "CoreDumps after each verified upload; host processes' in namespace {}",
          config.identity().hostNamespace());
    }
    uploader =
        new DumpUploader(
                store.verifiedUploads().orElseThrow(),
                metrics,
                RetryPolicy.exponential(config.retryBase(), config.retryMax()))
            .enrichWith(this::fillInPod)
            .prepareWith(sealing())
            .onNewDump(this::announce)
            .onUploaded(this::publish)
            .onAbandoned(this::abandoned);
    DumpAnalysis analysis = dumpAnalysis();
    if (analysis != null) {
      uploader.examineWith(
          new DumpUploader.Examination() {
            @Override
            public DumpInfo examine(Path zip, DumpInfo info) throws InterruptedException {
              return analysis.prepare(zip, info);
            }

            @Override
            public void beforeUpload(DumpInfo info) throws StoreException {
              analysis.storeBinaries(info);
            }
          });
    }
    startSnapshots();
    startTriggers();
    watcher = new DumpWatcher(config.dumpDir(), uploader::offer);
    watcher.start(config.sweepInterval());
    var unused = gauges.scheduleWithFixedDelay(this::updateBacklog, 0, 5, TimeUnit.SECONDS);
    ready = true;
    LOG.info("watching {} and uploading to {}", config.dumpDir(), config.store());
  }

  /** CoreDumpSnapshot requests for this node's pods, in a cluster (docs/snapshot.md). */
  private void startSnapshots() {
    String node = config.identity().nodeName();
    if (!config.snapshots().enabled() || kube == null || node == null) {
      LOG.info(
          "no snapshot requests watched: {}",
          !config.snapshots().enabled()
              ? "CORONER_SNAPSHOTS=false"
              : "no Kubernetes API or no CORONER_NODE_NAME");
      return;
    }
    RuntimeLookup cri = runtime;
    BinaryHolds held = Objects.requireNonNull(holds, "startIdentity() made it");
    Duration timeout = Duration.ofSeconds(5);
    snapshots =
        new SnapshotReconciler(
            kube,
            new SnapshotReconciler.Settings(
                node, config.capture(), config.snapshots().maxInFlight(), version()),
            new SnapshotReconciler.Parts(
                Snapshotter.system(),
                new ContainerRuntime() {
                  @Override
                  public ContainerProcess process(String id) throws CriException {
                    return cri.process(id, timeout);
                  }

                  @Override
                  public ContainerMetadata metadata(String id) throws CriException {
                    return cri.lookup(id, timeout);
                  }
                },
                triage::podInfo,
                held::hold,
                events,
                metrics),
            Clock.systemUTC());
    snapshots.start();
  }

  private static String version() {
    String v = Agent.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /**
   * With CORONER_CORE_HANDLER socket or auto, the coredump socket receiver in this JVM, in front of
   * the pipe composer the node setup just installed (docs/receiver.md, "In the agent").
   */
  private void startReceiver() throws InstallException {
    // Whichever handler runs: a composer or a receiver killed mid-capture leaves a partial forever.
    AgentReceiver.sweepStalePartials(config.capture(), r -> metrics.stalePartials.inc());
    CaptureMode wanted = config.coreHandler();
    if (wanted == CaptureMode.PIPE) {
      coreHandler("pipe");
      return;
    }
    if (!config.install()) {
      refuseSocket(
          wanted,
          "the receiver needs the pipe composer as its fallback, and CORONER_INSTALL=false");
      return;
    }
    try {
      receiver =
          AgentReceiver.start(
              new AgentReceiver.Options(
                  config.prefix(),
                  config.procSys(),
                  config.capture(),
                  nodeSetup().corePattern(),
                  new AgentReceiver.Triage(triage::decide, config.capture().agentTimeout()),
                  config.readAheadMib(),
                  r -> metrics.receiver.labelValues(r).inc()));
      coreHandler("socket");
      var unused = gauges.scheduleWithFixedDelay(this::checkReceiver, 1, 1, TimeUnit.SECONDS);
    } catch (AgentReceiver.UnavailableException e) {
      refuseSocket(wanted, String.valueOf(e.getMessage()));
    }
  }

  private void refuseSocket(CaptureMode wanted, String why) throws InstallException {
    if (wanted == CaptureMode.SOCKET) {
      throw new InstallException(
          "CORONER_CORE_HANDLER=socket, but " + why + " Set CORONER_CORE_HANDLER=auto or pipe.");
    }
    coreHandler("pipe");
    LOG.warn("core handler: the pipe composer (CORONER_CORE_HANDLER=auto): {}", why);
  }

  private void coreHandler(String active) {
    metrics.coreHandler.labelValues("pipe").set(active.equals("pipe") ? 1 : 0);
    metrics.coreHandler.labelValues("socket").set(active.equals("socket") ? 1 : 0);
    if (active.equals("pipe")) {
      LOG.info("core handler: the pipe composer, {}", nodeSetup().currentPattern());
    }
  }

  /** A receiver that stopped taking crashes gives the kernel back to the pipe composer. */
  private void checkReceiver() {
    AgentReceiver r = receiver;
    if (r != null && !r.accepting()) {
      LOG.error("the receiver stopped taking crashes; the pipe composer takes them again");
      receiver = null;
      r.close();
      coreHandler("pipe");
    }
  }

  /** Snapshot triggers (liveness, memory, CPU), when configured: docs/agent.md. */
  private void startTriggers() {
    String node = config.identity().nodeName();
    if (!config.triggers().enabled()) {
      return;
    }
    if (kube == null || owners == null || node == null) {
      LOG.warn(
          "Snapshot triggers are on but need the Kubernetes API and CORONER_NODE_NAME (the chart"
              + " sets both): no triggers");
      return;
    }
    triggers =
        SnapshotTriggers.start(
            config.triggers(),
            new SnapshotTriggers.Cluster(kube, node, owners, events),
            id -> runtime.process(id, Duration.ofSeconds(5)),
            metrics);
  }

  /** The policy of kept binaries, from the configuration. */
  private BinaryPolicy binaryPolicy() {
    AgentConfig.Analysis a = config.analysis();
    return new BinaryPolicy(a.binaries(), a.maxBinarySize(), a.skipRuntimes());
  }

  /** Analysis and kept binaries before upload; null when both are off. */
  private @Nullable DumpAnalysis dumpAnalysis() throws IOException {
    AgentConfig.Analysis a = config.analysis();
    if (!a.enabled() && !a.binaries()) {
      LOG.info("dumps are uploaded as captured (CORONER_ANALYSIS=false, CORONER_BINARIES=false)");
      return null;
    }
    Path cache = config.prefix().resolve(CACHE);
    Analyzer analyzer = null;
    if (a.enabled()) {
      ToolPaths tools = ToolPaths.discover(System.getenv());
      analyzer =
          new Analyzer(
              new AnalyzerConfig(
                  tools, cache.resolve("analysis"), a.timeout(), AnalyzerConfig.DEFAULT_MAX_OUTPUT),
              new ProcessRunner());
      LOG.info(
          "analyzing dumps before upload: eu-stack {}, lldb {}, llnode {}",
          tools.euStack() != null ? tools.euStack() : "missing",
          tools.lldb() != null ? tools.lldb() : "missing",
          tools.llnode() != null ? tools.llnode() : "missing");
    }
    BinaryKeeper keeper =
        new BinaryKeeper(
            binaryPolicy(),
            Objects.requireNonNull(binaryCache, "start() makes the cache in startIdentity() first"),
            holds,
            hostRoot());
    return new DumpAnalysis(
        analyzer,
        keeper,
        a.binaries() ? store.keptBinaries().orElse(null) : null,
        cache.resolve("work"),
        metrics);
  }

  private void startIdentity() throws IOException {
    AgentConfig.Identity id = config.identity();
    // Before the first crash can be asked about: its files are taken while the kernel holds it.
    AgentConfig.Analysis a = config.analysis();
    binaryCache =
        new BinaryCache(
            config.prefix().resolve(CACHE).resolve("binaries"),
            Math.max(1L << 30, 2 * a.maxBinarySize()));
    holds =
        new BinaryHolds(
            Path.of("/proc"),
            binaryCache,
            binaryPolicy(),
            Duration.ofMinutes(10),
            Clock.systemUTC());
    // In a cluster: Events on crashed pods, and pod owners as flood-control workloads. The
    // environment says whether there is a cluster (service host or kubeconfig).
    kube = KubeClients.connect(System.getenv()).orElse(null);
    if (kube != null && id.events()) {
      String node = id.nodeName() != null ? id.nodeName() : "unknown";
      events =
          new PodEvents(
              kube,
              node,
              PodEvents.DEFAULT_QUEUE,
              r -> metrics.events.labelValues(r.label()).inc());
    }
    PodOwners podOwners = kube != null ? new PodOwners(kube) : PodOwners.offline();
    owners = podOwners;
    if (kube != null) {
      LOG.info(
          "Kubernetes API at {}: events {}, flood control per pod owner",
          kube.getMasterUrl(),
          events != null ? "on" : "off (CORONER_EVENTS=false)");
    } else {
      LOG.info("no Kubernetes API configured: no events, flood control per pod");
    }
    runtime =
        new RuntimeLookup(
            Path.of("/"),
            Optional.ofNullable(id.criSocket()).map(Path::toString),
            id.logTailLines(),
            // Below the composer's wait, so that even "unknown" arrives in time.
            config.capture().agentTimeout().multipliedBy(3).dividedBy(4));
    triage =
        new CrashTriage(
            runtime,
            id.nodeName(),
            new CrashTriage.Rules(
                id.policy(),
                new FloodControl(id.floodMaxCores(), id.floodWindow(), Clock.systemUTC()),
                pod ->
                    // Flood control counts per pod owner (a Deployment's pods together); the
                    // container is part of the key so that a sidecar's crashes count apart.
                    podOwners.workloadKey(PodRef.of(pod)) + "/" + pod.container()),
            metrics);
    if (events != null) {
      PodEvents e = events;
      triage.onSkip(
          (pod, crash, reason) ->
              e.coreDumpSkipped(PodRef.of(pod), reason, Signals.name(crash.signal()), crash.exe()));
    }
    BinaryHolds held = holds;
    triage.onCapture(crash -> held.hold(crash.uuid(), crash.hostPid()));
    identity = IdentityServer.start(config.prefix().resolve(AgentConfig.AGENT_SOCKET), triage);
    try {
      LOG.info("container runtime: {}", runtime.describe());
    } catch (CriException e) {
      LOG.warn(
          "{} Crashes in containers keep their cores with the pod unknown until it answers;"
              + " set CORONER_CRI_SOCKET (chart: node.runtime.socket) if it listens elsewhere.",
          e.getMessage());
    }
  }

  /** Scrubbing and encryption before each upload (docs/scrub.md). */
  private DumpUploader.Preparation sealing() {
    DumpSealing.cleanUp(config.dumpDir());
    DumpSealing sealing =
        new DumpSealing(
            config.scrub(), config.encryption(), DumpScrubber.of(config.capture().level(), 2));
    LOG.info(
        "scrubbing before upload: {} by default{}; encryption at rest: {}",
        config.scrub().defaultMode().id(),
        config.scrub().namespaces().isEmpty() ? "" : ", " + config.scrub().namespaces(),
        config.encryption().any() ? "age" : "off");
    return (zip, info) -> {
      try {
        DumpSealing.Sealed s = sealing.seal(zip, info);
        DumpInfo.ScrubInfo r = s.info().scrub();
        metrics
            .scrubbed
            .labelValues(
                r == null
                    ? "none"
                    : r.complete() ? "complete" : r.mode().equals("off") ? "off" : "failed")
            .inc();
        return new DumpUploader.Prepared(s.file(), s.info(), s.temporary());
      } catch (DumpScrubber.DamagedDumpException e) {
        throw new DumpUploader.Damaged(String.valueOf(e.getMessage()), e);
      }
    };
  }

  /** A dump the composer could not name (no answer in time) gets its pod now, if still known. */
  private DumpInfo fillInPod(DumpInfo info) {
    if (info.pod() != null || info.process().containerId() == null) {
      return info;
    }
    ContainerMetadata meta = triage.identify(info.process().containerId());
    return meta == null ? info : info.withPod(triage.podInfo(meta));
  }

  /** The dump is verified in the bucket: its CoreDump, for the cluster's users to see. */
  private void publish(DumpInfo info, VerifiedUploads.Uploaded up) {
    if (coreDumps != null) {
      coreDumps.uploaded(info, up);
    }
    if (snapshots != null) {
      snapshots.uploaded(info);
    }
  }

  /** A dump that will never be uploaded: a snapshot request waiting for it fails. */
  private void abandoned(Path zip, String why) {
    if (snapshots != null) {
      snapshots.abandoned(zip, why);
    }
  }

  /** Posts {@code CoreDumped} on the crashed pod when its dump first shows up. */
  private void announce(DumpInfo info) {
    if (events == null || info.pod() == null) {
      return;
    }
    if (info.integrity().cause() == IntegrityCause.FLOOD) {
      return; // CoreDumpSkipped went out when the crash was triaged
    }
    if (info.snapshot() != null) {
      return; // a snapshot's request ends with its own Event (Snapshot)
    }
    events.coreDumped(
        PodRef.of(info.pod()),
        info.process().signalName(),
        info.process().exe(),
        info.analysis() == null ? null : info.analysis().topFrame(),
        info.name());
  }

  private NodeSetup nodeSetup() {
    return nodeSetup(config);
  }

  /** The node setup the agent installs and uninstalls with (the preStop's too). */
  static NodeSetup nodeSetup(AgentConfig config) {
    return AgentReceiver.restoringSocketPatterns(
        new NodeSetup(config.prefix(), config.procSys(), step -> LOG.info("node setup: {}", step)));
  }

  private void updateBacklog() {
    long count = 0;
    long bytes = 0;
    Instant oldest = null;
    for (Path zip : uploader.backlog()) {
      try {
        bytes += Files.size(zip);
        Instant t = Files.getLastModifiedTime(zip).toInstant();
        oldest = oldest == null || t.isBefore(oldest) ? t : oldest;
        count++;
      } catch (IOException e) {
        // uploaded meanwhile
      }
    }
    metrics.backlog.set((double) count);
    metrics.backlogBytes.set((double) bytes);
    metrics.oldestAge.set(
        oldest == null ? 0 : (System.currentTimeMillis() - oldest.toEpochMilli()) / 1000.0);
  }

  /** The port /metrics, /healthz and /readyz listen on. */
  public int port() {
    return http.port();
  }

  @Override
  public void close() {
    ready = false;
    AgentReceiver r = receiver;
    if (r != null) {
      // First: the pipe pattern back, then the captures in flight finish.
      receiver = null;
      r.close();
    }
    gauges.shutdownNow();
    if (snapshots != null) {
      snapshots.close();
    }
    if (watcher != null) {
      watcher.close();
    }
    if (uploader != null) {
      uploader.close();
    }
    if (store != null) {
      store.close();
    }
    if (config.install() && config.restoreOnStop()) {
      try {
        nodeSetup().uninstall(false);
      } catch (InstallException e) {
        LOG.error("could not restore the kernel settings: {}", e.getMessage());
      }
    } else if (config.install()) {
      LOG.info("leaving the composer installed (CORONER_RESTORE_ON_STOP=false)");
    }
    // The triggers read the runtime: stopped before it closes.
    if (triggers != null) {
      triggers.close();
    }
    if (identity != null) {
      identity.close();
    }
    if (holds != null) {
      holds.close();
    }
    if (runtime != null) {
      runtime.close();
    }
    if (events != null) {
      events.close();
    }
    if (coreDumps != null) {
      coreDumps.close();
    }
    if (kube != null) {
      kube.close();
    }
    if (http != null) {
      http.close();
    }
  }
}
