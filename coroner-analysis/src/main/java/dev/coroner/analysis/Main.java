package dev.coroner.analysis;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar coroner-analysis.jar CORE [EXE] [--cache-dir DIR] [--timeout SECONDS] [--repeat
 * N]}: prints the analysis of one core as JSON. For benchmarks and by hand; coroner embeds {@link
 * Analyzer}. {@code --repeat N} analyzes the core N times in this JVM and prints the last: its
 * {@code duration_ms} is what a long-running agent pays, without class loading and a cold JIT.
 */
public final class Main {
  static final int OK = 0;
  static final int FAILURE = 1;
  static final int USAGE = 2;
  static final String USAGE_TEXT = "CORE [EXE] [--cache-dir DIR] [--timeout SECONDS] [--repeat N]";

  private Main() {}

  /** Analyzes a core from the command line and exits with the result's code. */
  public static void main(String[] args) throws InterruptedException {
    System.exit(run(args, System.getenv(), System.out, System.err));
  }

  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err)
      throws InterruptedException {
    List<String> positional = new ArrayList<>();
    Path cacheDir = null;
    Duration timeout = AnalyzerConfig.DEFAULT_TIMEOUT;
    int repeat = 1;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      boolean valued = a.equals("--cache-dir") || a.equals("--timeout") || a.equals("--repeat");
      if (valued && i + 1 >= args.length) {
        err.println(a + " needs a value");
        return USAGE;
      }
      if (a.equals("--cache-dir")) {
        cacheDir = Path.of(args[++i]);
      } else if (a.equals("--timeout") || a.equals("--repeat")) {
        long n = positive(args[++i]);
        if (n <= 0) {
          err.println(a + " must be a positive number: '" + args[i] + "'");
          return USAGE;
        }
        if (a.equals("--timeout")) {
          timeout = Duration.ofSeconds(n);
        } else {
          repeat = (int) Math.min(n, 1000);
        }
      } else if (a.startsWith("-")) {
        err.println("unknown option " + a + "; usage: " + USAGE_TEXT);
        return USAGE;
      } else {
        positional.add(a);
      }
    }
    if (positional.isEmpty() || positional.size() > 2) {
      err.println("usage: " + USAGE_TEXT);
      return USAGE;
    }
    Path core = Path.of(positional.get(0));
    if (!Files.isRegularFile(core)) {
      err.println("No core at " + core);
      return FAILURE;
    }
    Path exe = positional.size() > 1 ? Path.of(positional.get(1)) : null;
    var config =
        new AnalyzerConfig(
            ToolPaths.discover(env), cacheDir, timeout, AnalyzerConfig.DEFAULT_MAX_OUTPUT);
    Analyzer analyzer = new Analyzer(config, new ProcessRunner());
    // --repeat is at least 1.
    Analysis a = analyzer.analyze(core, exe);
    for (int i = 1; i < repeat; i++) {
      a = analyzer.analyze(core, exe);
    }
    out.println(a.toJson());
    return a.signature() == null ? FAILURE : OK;
  }

  private static long positive(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
