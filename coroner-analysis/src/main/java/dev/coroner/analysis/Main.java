package dev.coroner.analysis;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar coroner-analysis.jar CORE [EXE] [--cache-dir DIR] [--timeout SECONDS]}: prints
 * the analysis of one core as JSON. For benchmarks and by hand; coroner embeds {@link Analyzer}.
 */
public final class Main {
  static final int OK = 0;
  static final int FAILURE = 1;
  static final int USAGE = 2;

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    System.exit(run(args, System.getenv(), System.out, System.err));
  }

  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err)
      throws InterruptedException {
    List<String> positional = new ArrayList<>();
    Path cacheDir = null;
    Duration timeout = AnalyzerConfig.DEFAULT_TIMEOUT;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if ((a.equals("--cache-dir") || a.equals("--timeout")) && i + 1 >= args.length) {
        err.println(a + " needs a value");
        return USAGE;
      }
      if (a.equals("--cache-dir")) {
        cacheDir = Path.of(args[++i]);
      } else if (a.equals("--timeout")) {
        try {
          timeout = Duration.ofSeconds(Long.parseLong(args[++i]));
        } catch (NumberFormatException e) {
          err.println("--timeout must be a number of seconds: '" + args[i] + "'");
          return USAGE;
        }
      } else if (a.startsWith("-")) {
        err.println("unknown option " + a + "; usage: CORE [EXE] [--cache-dir DIR] [--timeout S]");
        return USAGE;
      } else {
        positional.add(a);
      }
    }
    if (positional.isEmpty() || positional.size() > 2) {
      err.println("usage: CORE [EXE] [--cache-dir DIR] [--timeout SECONDS]");
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
    Analysis a = new Analyzer(config, new ProcessRunner()).analyze(core, exe);
    out.println(a.toJson());
    return a.signature() == null ? FAILURE : OK;
  }
}
