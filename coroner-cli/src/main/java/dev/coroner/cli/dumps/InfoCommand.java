package dev.coroner.cli.dumps;

import dev.coroner.base.text.SafeText;
import dev.coroner.base.units.ByteSizes;
import dev.coroner.cli.analysis.LocalAnalyses;
import dev.coroner.cli.errors.CliException;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.KeptBinary;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.Store;
import dev.coroner.store.StoredDump;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code coroner info DUMP}: everything a dump says about the crash. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = {
      "Show everything known about a dump.",
      "",
      "DUMP is a name, a unique uuid prefix, 'latest', or -N for the N-th newest.",
      "-o json prints dump-info.json as documented in docs/dump-info.md.",
      "",
      "Crash, Signature and Frames come from the dump's analysis: the node agent's, or, for a",
      "local dump, one made here the first time (cached; --no-analyze skips it). --analyze",
      "analyzes the dump here now, whatever it has (a remote core is streamed from the store,",
      "with the executable and libraries the store keeps for it)."
    })
public final class InfoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreOptions store;

  @Mixin NamespaceOptions ns;

  @Parameters(paramLabel = "DUMP", description = "The dump: name, uuid prefix, latest or -N.")
  String ref;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "table (default) or json.",
      defaultValue = "table")
  OutputFormat output;

  @Option(names = "--analyze", description = "Analyze the dump here now (and cache the result).")
  boolean analyze;

  @Option(
      names = "--no-analyze",
      description = "Do not analyze a local dump that has no analysis yet.")
  boolean noAnalyze;

  @Option(
      names = ListCommand.CACHE_OPTION,
      paramLabel = "DIR",
      description = "Where analyses are cached (0700). Now: ${DEFAULT-VALUE}")
  java.nio.file.Path cacheDir;

  java.util.Map<String, String> env = System.getenv();

  /** How many frames the table shows; -o json has them all. */
  static final int FRAMES_SHOWN = 16;

  @Override
  public Integer call() {
    try (Store s = store.open(ns.scope(), spec.commandLine().getErr())) {
      return call(s);
    }
  }

  private Integer call(Store s) {
    StoredDump dump = StoreOptions.readable(store.resolve(s, ref, ns));
    DumpInfo info = analyzed(s, dump, StoreOptions.info(s, dump));
    PrintWriter out = spec.commandLine().getOut();
    if (output == OutputFormat.json) {
      out.print(info.toJson());
    } else {
      out.print(describe(dump, info, ZoneId.systemDefault()));
    }
    out.flush();
    return 0;
  }

  private DumpInfo analyzed(Store s, StoredDump dump, DumpInfo info) {
    if (analyze && noAnalyze) {
      throw new CliException(CliException.USAGE, "--analyze and --no-analyze exclude each other");
    }
    if (cacheDir == null || (noAnalyze && !analyze)) {
      return info;
    }
    var analyses = new LocalAnalyses(cacheDir, env, spec.commandLine().getErr());
    try {
      if (analyze) {
        return analyses.analyze(s, dump, info);
      }
      return dump.location() instanceof DumpLocation.LocalFile
          ? analyses.ensure(s, dump, info)
          : info;
    } catch (java.io.IOException e) {
      if (analyze) {
        throw new CliException(
            CliException.FAILURE, "cannot analyze " + dump.name() + ": " + e.getMessage(), e);
      }
      spec.commandLine().getErr().println("coroner: cannot analyze " + dump.name() + ": " + e);
      return info;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.FAILURE, "interrupted", e);
    }
  }

  static String describe(StoredDump dump, DumpInfo i, ZoneId zone) {
    DumpInfo.ProcessInfo p = i.process();
    StringBuilder b = new StringBuilder();
    Row r = new Row(b);
    r.add("Dump", dump.name());
    r.add("Location", dump.location().display() + " (" + ByteSizes.format(dump.size()) + ")");
    r.add(
        "Time",
        Instant.ofEpochSecond(i.timestamp()).atZone(zone).toOffsetDateTime()
            + " ("
            + i.timestamp()
            + ")");
    r.add("Signal", p.signal() + " (" + p.signalName() + ")");
    if (i.snapshot() != null) {
      var snap = i.snapshot();
      r.add(
          "Snapshot",
          "of a live process ("
              + snap.method()
              + "): its "
              + snap.threads()
              + " threads were stopped for "
              + String.format(java.util.Locale.ROOT, "%.1f", snap.freezeMicros() / 1000.0)
              + " ms");
    }
    r.add("Executable", p.exePath() + " (comm " + p.exe() + ")");
    r.add("Command line", String.join(" ", p.cmdline()));
    r.add(
        "PID",
        p.pid() + " in its namespace, " + p.hostPid() + " on the host (tid " + p.tid() + ")");
    r.add("User", "uid " + p.uid() + ", gid " + p.gid());
    r.add("Hostname", i.hostname());
    r.add("Node", i.nodeHostname());
    if (i.pod() != null) {
      var pod = i.pod();
      r.add("Pod", pod.qualifiedName() + " (uid " + pod.uid() + ")");
      r.add(
          "Container",
          pod.container()
              + (pod.restartCount() == null ? "" : ", " + pod.restartCount() + " restarts before"));
      r.add(
          "Image", pod.image() + (pod.imageDigest() == null ? "" : " (" + pod.imageDigest() + ")"));
      if (pod.node() != null) {
        r.add("Kubernetes node", pod.node());
      }
      pod.labels().forEach((k, v) -> r.add("Label", k + "=" + v));
    } else if (p.containerId() != null) {
      r.add("Pod", "unknown (the container runtime did not answer in time)");
    }
    r.add("Container ID", p.containerId() == null ? "none (host process)" : p.containerId());
    r.add(
        "Identity",
        p.pidfdVerified() ? "verified through the kernel's pidfd" : "not verified (no pidfd)");
    r.add(
        "Core",
        ByteSizes.format(i.core().size())
            + " ("
            + i.core().size()
            + " bytes), stored "
            + ByteSizes.format(i.core().storedSize())
            + " as "
            + (i.core().compression() == null ? "unknown" : i.core().compression().id()));
    r.add("Core sha256", i.core().sha256());
    r.add("Scrubbed", scrubbed(i.scrub()));
    if (i.encryption() != null || dump.encrypted()) {
      r.add("Encrypted", encrypted(i.encryption()));
    }
    r.add(
        "Complete",
        i.integrity().truncated()
            ? "NO, truncated: " + i.integrity().reason()
            : "yes" + (i.core().expectedSize() != null ? " (size matches the ELF headers)" : ""));
    r.add("Core limit", p.coreLimit());
    r.add("Files", String.join(", ", i.files()));
    if (i.files().contains("container.log")) {
      r.add(
          "Container log",
          "container.log; read it with: coroner get " + dump.name() + " --extract");
    }
    r.add("Composer", i.composer().version() + ", " + i.composer().durationMs() + " ms");
    for (String w : i.composer().warnings()) {
      r.add("Warning", w);
    }
    describeAnalysis(r, i);
    return b.toString();
  }

  private static void describeAnalysis(Row r, DumpInfo i) {
    CrashAnalysis a = i.analysis();
    if (a == null) {
      r.add("Crash", "not analyzed (coroner info --analyze)");
    } else {
      r.add("Crash", a.topFrame() == null ? "no frame could be named" : a.topFrame());
      if (a.signature() != null) {
        r.add("Signature", a.signature() + " (coarse " + a.signature3() + ", " + a.runtime() + ")");
      }
      r.add("Analysis", a.tool() + (a.durationMs() > 0 ? ", " + a.durationMs() + " ms" : ""));
      if (a.problem() != null) {
        r.add("Problem", a.problem());
      }
      int n = 0;
      for (CrashAnalysis.Frame f : a.frames()) {
        if (n == FRAMES_SHOWN) {
          r.add("", "... " + (a.frames().size() - n) + " more (-o json)");
          break;
        }
        r.add(n == 0 ? "Frames" : "", "#" + n++ + " " + frame(f));
      }
    }
    long kept = i.binaries().stream().filter(KeptBinary::kept).count();
    if (!i.binaries().isEmpty()) {
      r.add(
          "Binaries",
          kept
              + " of "
              + i.binaries().size()
              + " kept in the store by build-id"
              + (kept > 0 ? "; 'coroner debug' uses them" : ""));
      for (KeptBinary bin : i.binaries()) {
        r.add(
            "",
            bin.path()
                + (bin.kept() ? " (" + ByteSizes.format(bin.size()) + ")" : ": " + bin.reason()));
      }
    }
  }

  /** A frame as the table shows it: function, where, and whether it is the app's own code. */
  static String frame(CrashAnalysis.Frame f) {
    String where =
        f.file() != null
            ? " (" + baseName(f.file()) + (f.line() > 0 ? ":" + f.line() : "") + ")"
            : f.module() != null
                ? " (" + f.module() + (f.offset() == null ? "" : "+" + f.offset()) + ")"
                : "";
    String name = f.function() == null || f.function().isEmpty() ? "??" : f.function();
    return name + where + (f.inApp() ? "  [app]" : "");
  }

  private static String baseName(String path) {
    return path.startsWith("node:") ? path : path.substring(path.lastIndexOf('/') + 1);
  }

  /** The scrub summary: mode, rule ids and counts (never a value). */
  static String scrubbed(DumpInfo.@Nullable ScrubInfo s) {
    if (s == null) {
      return "no (captured before scrubbing, or still on its way)";
    }
    if (s.mode().equals("off")) {
      return "no: scrub off";
    }
    StringBuilder b = new StringBuilder(s.complete() ? "yes" : "INCOMPLETE (the core was dropped)");
    b.append(", ").append(s.mode());
    if (s.rules().isEmpty()) {
      b.append(", nothing matched");
    } else {
      b.append(": ");
      s.rules().forEach((k, v) -> b.append(k).append('=').append(v).append(' '));
      b.setLength(b.length() - 1);
    }
    if (s.durationMs() > 0) {
      b.append(" (").append(s.durationMs()).append(" ms)");
    }
    return b.toString();
  }

  private static String encrypted(DumpInfo.@Nullable EncryptionInfo e) {
    String to =
        e == null || e.recipients().isEmpty() ? "" : " to " + String.join(", ", e.recipients());
    return "age"
        + to
        + "; command line, labels, annotations and warnings are only in the encrypted zip"
        + " (coroner get --identity FILE --extract)";
  }

  private record Row(StringBuilder b) {
    void add(String key, @Nullable Object value) {
      // Values come from the crashed process (cmdline, comm, hostname, labels): never raw.
      String label = key.isEmpty() ? "" : key + ":";
      b.append(String.format("%-14s %s%n", label, SafeText.line(String.valueOf(value))));
    }
  }
}
