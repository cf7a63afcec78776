package dev.coroner.composer;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.base.text.SafeText;
import dev.coroner.capture.DumpAssembly;
import dev.coroner.capture.ExeFilter;
import dev.coroner.capture.Prewarm;
import dev.coroner.capture.Uuids;
import dev.coroner.capture.Watchdog;
import dev.coroner.capture.identity.AgentClient;
import dev.coroner.capture.identity.CrashQuery;
import dev.coroner.capture.identity.CrashVerdict;
import dev.coroner.capture.identity.Decision;
import dev.coroner.capture.log.CaptureLog;
import dev.coroner.capture.proc.ProcSnapshot;
import dev.coroner.capture.seal.Sealing;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.capture.write.DumpWriter;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.IntegrityCause;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Captures one crash: reads what the kernel passed, the settings and /proc, then streams the core
 * into a dump. It never throws; every outcome is an {@link ExitCode} and a log line.
 */
final class Composer {
  private final @Nullable Path configFile;
  private final Path procRoot;
  private final CaptureLog log;

  Composer(@Nullable Path configFile, Path procRoot, CaptureLog log) {
    this.configFile = configFile;
    this.procRoot = procRoot;
    this.log = log;
  }

  ExitCode run(String[] args, ReadableByteChannel stdin) {
    long started = System.nanoTime();
    Prewarm prewarm = Prewarm.start();
    String uuid = Uuids.random();
    log.uuid(uuid);
    KernelArgs k = KernelArgs.parse(args);
    log.info(
        "crash: pid "
            + k.hostPid()
            + " ("
            + k.pid()
            + " in its namespace) "
            + SafeText.line(k.comm())
            + " signal "
            + k.signal()
            + " host "
            + SafeText.line(k.hostname()));
    List<String> warnings = new ArrayList<>(k.warnings());
    // %t missing (a hand-run or bad pattern): the composer's clock is the next best thing.
    long timestamp = k.timestamp() >= 0 ? k.timestamp() : System.currentTimeMillis() / 1000;
    CaptureSettings settings = loadSettings(warnings);
    if (settings.agentSocket() != null) {
      Prewarm.agentPath();
    }
    warnings.addAll(ExeFilter.invalid(settings.excludeExe()));
    String excludedBy = ExeFilter.excludedBy(settings.excludeExe(), k.exePath(), k.comm());
    if (excludedBy != null) {
      log.info("skipped: " + k.exePath() + " matches filter.exclude-exe '" + excludedBy + "'");
      return ExitCode.SKIPPED;
    }
    ProcSnapshot proc = ProcSnapshot.read(procRoot, k.hostPid(), k.pidfd(), settings.environ());
    warnings.addAll(proc.warnings());
    // Gone once the kernel reaps the task: the scrub step gets it now or never.
    Sealing sealing = Sealing.of(settings, log);
    byte[] environ = sealing.wantsEnviron() ? ProcSnapshot.environ(procRoot, k.hostPid()) : null;
    CrashVerdict verdict = askAgent(settings, uuid, k, proc, warnings);
    if (verdict.decision() == Decision.SKIP) {
      log.info("skipped by the agent: " + verdict.reason());
      return ExitCode.SKIPPED;
    }
    var dump =
        DumpAssembly.of(
            sealing.writeTo(),
            new DumpAssembly.Crash(uuid, k.facts(timestamp), proc, verdict),
            warnings);
    warnings.forEach(w -> log.info("warning: " + w));
    log.info("reading the core after " + (System.nanoTime() - started) / 1_000_000 + " ms");
    DumpWriter.Written written;
    try (Watchdog watchdog = Watchdog.start(settings.timeout(), log)) {
      sealing.leaveEnviron(dump.name(), environ);
      written =
          dump.write(
              stdin,
              prewarm::sha256,
              watchdog::readDone,
              new DumpAssembly.Producer(version(), started, DumpAssembly.nodeHostname(procRoot)),
              log,
              sealing.streamSeal(environ));
    } catch (DumpWriter.NotWrittenException e) {
      log.info("no dump written: " + e.getMessage());
      sealing.forget(dump.name());
      return ExitCode.NOT_WRITTEN;
    }
    log.info(DumpAssembly.describe(written));
    // The process is released and the watchdog done: scrubbing is off everyone's critical path.
    DumpInfo info = sealing.complete(written, environ).info();
    if (info.integrity().cause() == IntegrityCause.TIMEOUT) {
      return ExitCode.TIMEOUT;
    }
    return info.integrity().truncated() ? ExitCode.DUMP_TRUNCATED : ExitCode.OK;
  }

  /**
   * The agent's verdict for a container's crash. Without an agent, for a host process, or when the
   * agent does not answer in time, the core is kept and the pod stays unknown: the agent fills the
   * identity in later from the container ID if the runtime still knows it.
   */
  private CrashVerdict askAgent(
      CaptureSettings settings,
      String uuid,
      KernelArgs k,
      ProcSnapshot proc,
      List<String> warnings) {
    CrashVerdict keep = new CrashVerdict(Decision.CAPTURE, null, null, "");
    if (settings.agentSocket() == null || proc.containerId() == null) {
      return keep;
    }
    long asked = System.nanoTime();
    try {
      CrashVerdict v =
          AgentClient.ask(
              settings.agentSocket(),
              new CrashQuery(uuid, proc.containerId(), k.hostPid(), k.comm(), k.signal()),
              settings.agentTimeout());
      log.info(
          "agent answered in "
              + (System.nanoTime() - asked) / 1_000_000
              + " ms: "
              + v.decision().id()
              + (v.pod() == null ? ", pod unknown" : ", pod " + v.pod().qualifiedName()));
      return v;
    } catch (AgentClient.NoAnswerException e) {
      warnings.add("pod identity unknown: " + e.getMessage());
      return keep;
    }
  }

  private CaptureSettings loadSettings(List<String> warnings) {
    var parsed = CaptureSettings.load(configFile);
    warnings.addAll(parsed.problems());
    return parsed.settings();
  }

  static String version() {
    String v = Composer.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
