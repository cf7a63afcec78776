package dev.coroner.cli.dumps;

import dev.coroner.base.text.SafeText;
import dev.coroner.base.units.ByteSizes;
import dev.coroner.dump.DumpInfo;
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
      "-o json prints dump-info.json as documented in docs/dump-info.md."
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

  @Override
  public Integer call() {
    try (Store s = store.open(ns.scope(), spec.commandLine().getErr())) {
      return call(s);
    }
  }

  private Integer call(Store s) {
    StoredDump dump = StoreOptions.readable(store.resolve(s, ref, ns));
    DumpInfo info = StoreOptions.info(s, dump);
    PrintWriter out = spec.commandLine().getOut();
    if (output == OutputFormat.json) {
      out.print(info.toJson());
    } else {
      out.print(describe(dump, info, ZoneId.systemDefault()));
    }
    out.flush();
    return 0;
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
    return b.toString();
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
      b.append(String.format("%-14s %s%n", key + ":", SafeText.line(String.valueOf(value))));
    }
  }
}
