package dev.coroner.scrub;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A command line for trying the scrubber by hand and for bench/scrub.sh: {@code java -jar
 * coroner-scrub.jar [--threads N] [--drop-heap] [--environ FILE] [--custom NAME=REGEX] CORE...}.
 * Each core is scrubbed in place; one line per core gives the report, MiB/s (wall time of the
 * scrub, JVM start excluded) and the CPU time the process spent meanwhile. Exit 0 when every scrub
 * is complete, 1 when one failed, 2 for bad usage.
 */
public final class ScrubTool {
  private ScrubTool() {}

  /** Scrubs from the command line and exits with the documented code. */
  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    ScrubOptions o = ScrubOptions.defaults();
    List<CustomRule> custom = new ArrayList<>();
    List<Path> cores = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      boolean hasValue = i + 1 < args.length;
      if (a.equals("--threads") && hasValue) {
        o = o.withThreads(Integer.parseInt(args[++i]));
      } else if (a.equals("--drop-heap")) {
        o = o.withDropHeap(true);
      } else if (a.equals("--environ") && hasValue) {
        o = o.withEnvSecrets(EnvSecrets.fromEnviron(Files.readAllBytes(Path.of(args[++i]))));
      } else if (a.equals("--custom") && hasValue && args[i + 1].contains("=")) {
        String[] kv = args[++i].split("=", 2);
        custom.add(CustomRule.of(kv[0], kv[1]));
      } else if (a.startsWith("-")) {
        err.println(
            "usage: coroner-scrub [--threads N] [--drop-heap] [--environ FILE]"
                + " [--custom NAME=REGEX] CORE...");
        return 2;
      } else {
        cores.add(Path.of(a));
      }
    }
    Scrubber scrubber = Scrubber.of(o.withCustom(custom));
    int rc = cores.isEmpty() ? 2 : 0;
    for (Path core : cores) {
      long cpu = cpuNanos();
      ScrubReport r = scrubber.scrubCore(core);
      cpu = cpuNanos() - cpu;
      double mib = Files.size(core) / 1048576.0;
      out.printf(
          "%s: %s; %.1f MiB/s; cpu %d ms; %d threads%n",
          core, r.summary(), mib / (r.nanos() / 1e9), cpu / 1_000_000, o.threads());
      for (String w : r.warnings()) {
        out.println("  warning: " + w);
      }
      if (!r.complete()) {
        rc = 1;
      }
    }
    return rc;
  }

  /** CPU time of the whole process (scan threads, JIT, GC), or 0 when unknown. */
  private static long cpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos()).orElse(0L);
  }
}
