package dev.coroner.capture;

import dev.coroner.capture.identity.CrashVerdict;
import dev.coroner.capture.identity.Decision;
import dev.coroner.capture.log.CaptureLog;
import dev.coroner.capture.proc.ProcSnapshot;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.capture.write.DumpWriter;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.DumpInfo.Integrity;
import dev.coroner.dump.DumpInfo.PodInfo;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.dump.name.NameFields;
import dev.coroner.seal.StreamSeal;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Turns what a capture handler learnt about a crash into its dump: the name from the template, the
 * zip's entries, dump-info, and what to keep. The pipe composer and the socket receiver both write
 * their dumps through it, so a crash gives the same dump whichever way the core came.
 */
public final class DumpAssembly {
  /** The zip entry holding the tail of the container's log. */
  public static final String CONTAINER_LOG = "container.log";

  /**
   * One crash, once known: its dump's uuid, the kernel's facts, /proc, and the verdict on what to
   * keep (capture everything when nobody was asked).
   */
  public record Crash(String uuid, CrashFacts facts, ProcSnapshot proc, CrashVerdict verdict) {}

  /**
   * Who writes the dump, for dump-info's {@code composer} object.
   *
   * @param version the handler's version
   * @param startedNanos {@link System#nanoTime()} when the handler began with this crash
   * @param nodeHostname the node's own hostname
   */
  public record Producer(String version, long startedNanos, String nodeHostname) {}

  private final CaptureSettings settings;
  private final Crash crash;
  private final List<String> warnings;
  private final String name;

  private DumpAssembly(CaptureSettings settings, Crash crash, List<String> warnings) {
    this.settings = settings;
    this.crash = crash;
    this.warnings = warnings;
    this.name = settings.nameTemplate().format(nameFields(crash));
  }

  /**
   * The dump of {@code crash}. {@code warnings} is kept by reference: what is added until the dump
   * is finished lands in dump-info.
   */
  public static DumpAssembly of(CaptureSettings settings, Crash crash, List<String> warnings) {
    return new DumpAssembly(settings, crash, warnings);
  }

  /** The dump's name, without {@code .zip}. */
  public String name() {
    return name;
  }

  /** The zip's entries besides the core and dump-info: /proc files and the container's log. */
  public Map<String, byte[]> files() {
    Map<String, byte[]> files = new LinkedHashMap<>(crash.proc().files());
    String log = crash.verdict().log();
    if (!log.isEmpty()) {
      files.put(CONTAINER_LOG, log.getBytes(StandardCharsets.UTF_8));
    }
    return files;
  }

  /**
   * Writes the dump: the core streamed from {@code core}, or for {@link Decision#METADATA_ONLY}
   * only the metadata (then {@code core}, possibly null, is closed unread).
   */
  public DumpWriter.Written write(
      @Nullable ReadableByteChannel core,
      Supplier<MessageDigest> sha256,
      Runnable readDone,
      Producer producer,
      CaptureLog log)
      throws DumpWriter.NotWrittenException {
    return write(core, sha256, readDone, producer, log, null);
  }

  /**
   * As {@link #write(ReadableByteChannel, Supplier, Runnable, Producer, CaptureLog)}, sealing the
   * dump as it is written when {@code seal} is not null ({@code Sealing.streamSeal}).
   */
  public DumpWriter.Written write(
      @Nullable ReadableByteChannel core,
      Supplier<MessageDigest> sha256,
      Runnable readDone,
      Producer producer,
      CaptureLog log,
      @Nullable StreamSeal seal)
      throws DumpWriter.NotWrittenException {
    DumpWriter writer = new DumpWriter(settings, name, files(), log, seal);
    DumpWriter.InfoFactory info = infoFactory(producer);
    if (crash.verdict().decision() == Decision.METADATA_ONLY) {
      return writer.writeWithoutCore(
          core, Integrity.truncated(IntegrityCause.FLOOD, crash.verdict().reason()), info);
    }
    return writer.write(
        java.util.Objects.requireNonNull(core, "a core to capture"), sha256, readDone, info);
  }

  /** The log line for a written dump. */
  public static String describe(DumpWriter.Written written) {
    DumpInfo info = written.info();
    return "wrote "
        + written.file()
        + ": core "
        + info.core().size()
        + " bytes, stored "
        + info.core().storedSize()
        + (info.integrity().truncated()
            ? ", TRUNCATED: " + info.integrity().reason()
            : ", complete");
  }

  /** The node's hostname ({@code /proc/sys/kernel/hostname} of this UTS namespace), or unknown. */
  public static String nodeHostname(Path procRoot) {
    try {
      return Files.readString(procRoot.resolve("sys/kernel/hostname")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private DumpWriter.InfoFactory infoFactory(Producer producer) {
    CrashFacts k = crash.facts();
    return (core, integrity, entries) ->
        new DumpInfo(
            DumpInfo.SCHEMA_VERSION,
            crash.uuid(),
            name,
            k.timestamp(),
            k.hostname(),
            producer.nodeHostname(),
            processInfo(k, crash.proc()),
            crash.verdict().pod(),
            core,
            integrity,
            entries,
            new DumpInfo.ComposerInfo(
                producer.version(),
                (System.nanoTime() - producer.startedNanos()) / 1_000_000,
                warnings));
  }

  private static NameFields nameFields(Crash crash) {
    CrashFacts k = crash.facts();
    PodInfo pod = crash.verdict().pod();
    ProcSnapshot proc = crash.proc();
    return new NameFields(
        crash.uuid(),
        k.timestamp(),
        k.hostname(),
        k.comm(),
        k.pid(),
        k.signal(),
        pod == null ? null : pod.namespace(),
        pod == null ? null : pod.name(),
        pod != null
            ? pod.container()
            : proc.containerId() == null ? "host" : proc.containerId().substring(0, 12),
        pod == null ? null : pod.uid());
  }

  private static DumpInfo.ProcessInfo processInfo(CrashFacts k, ProcSnapshot proc) {
    return new DumpInfo.ProcessInfo(
        k.comm(),
        proc.exePath() != null ? proc.exePath() : k.exePath(),
        proc.cmdline(),
        k.pid(),
        k.hostPid(),
        k.tid(),
        k.hostTid(),
        k.uid() >= 0 ? k.uid() : proc.uid(),
        k.gid() >= 0 ? k.gid() : proc.gid(),
        k.signal(),
        proc.containerId(),
        CrashFacts.UNLIMITED.equals(k.coreLimit()) ? "unlimited" : k.coreLimit(),
        proc.pidfdVerified());
  }
}
