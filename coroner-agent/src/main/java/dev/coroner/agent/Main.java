package dev.coroner.agent;

import dev.coroner.agent.advice.OperatorAdvice;
import dev.coroner.agent.analysis.DumpAnalysis;
import dev.coroner.agent.binaries.BinaryCache;
import dev.coroner.agent.binaries.BinaryKeeper;
import dev.coroner.agent.binaries.BinaryPolicy;
import dev.coroner.agent.config.AgentConfig;
import dev.coroner.agent.config.AgentVariable;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.analysis.Analyzer;
import dev.coroner.analysis.AnalyzerConfig;
import dev.coroner.analysis.ProcessRunner;
import dev.coroner.analysis.ToolPaths;
import dev.coroner.base.exit.ExitCode;
import dev.coroner.dump.DumpInfo;
import dev.coroner.node.InstallException;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.archive.DumpArchive;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coroner-agent [run|uninstall]}: configured by environment variables (see --help). */
@Command(
    name = "coroner-agent",
    mixinStandardHelpOptions = true,
    description = {
      "The coroner node agent: installs the composer, then uploads every dump to S3 and deletes"
          + " it locally once the object is verified. In a cluster it also carries out the"
          + " CoreDumpSnapshot requests for its node's pods (snapshots of live containers; Java 22"
          + " or newer, else they fail as Unsupported). Configured by the environment variables"
          + " below; AWS credentials come from the SDK's usual chain (AWS_ACCESS_KEY_ID /"
          + " AWS_SECRET_ACCESS_KEY from a Secret, a profile, or IRSA)."
    },
    subcommands = {Main.Run.class, Main.Uninstall.class, Main.Analyze.class})
public final class Main implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  /** Runs the agent command line ({@code run} unless told otherwise) and exits with its code. */
  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new Main());
    StringBuilder vars = new StringBuilder("%nEnvironment:%n");
    for (AgentVariable v : AgentConfig.VARIABLES) {
      vars.append(String.format("  %-26s %s%n", v.name(), v.usage()));
    }
    cl.getCommandSpec().usageMessage().footer(vars.toString());
    System.exit(cl.execute(args.length == 0 ? new String[] {"run"} : args));
  }

  @Override
  public Integer call() {
    return new Run().call();
  }

  static @Nullable AgentConfig config(PrintWriter err) {
    try {
      return AgentConfig.from(System.getenv());
    } catch (AgentConfig.ConfigException e) {
      err.println("coroner-agent: bad configuration:\n" + e.getMessage());
      return null;
    }
  }

  /** Runs until SIGTERM. */
  @Command(name = "run", description = "Set the node up and upload dumps until stopped (default).")
  static final class Run implements Callable<Integer> {
    @Override
    public Integer call() {
      PrintWriter err =
          new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
      AgentConfig config = config(err);
      if (config == null) {
        return ExitCode.USAGE.code();
      }
      if (config.store() == null) {
        err.println(
            "coroner-agent: CORONER_STORE is required: the s3://bucket/prefix for dumps"
                + " (chart: store.url)");
        return ExitCode.USAGE.code();
      }
      Agent agent = new Agent(config);
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    LOG.info("stopping");
                    agent.close();
                    stopped.countDown();
                  },
                  "coroner-stop"));
      try {
        agent.start();
      } catch (StoreException e) {
        LOG.error("cannot start: {}", OperatorAdvice.explain(e));
        return e.failure() == StoreFailure.CONFIG
            ? ExitCode.USAGE.code()
            : ExitCode.UNREACHABLE.code();
      } catch (InstallException e) {
        LOG.error("cannot start: {}", OperatorAdvice.explain(e));
        return ExitCode.FAILURE.code();
      } catch (Exception e) {
        LOG.error("cannot start: {}", e.getMessage());
        return ExitCode.FAILURE.code();
      }
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return ExitCode.OK.code();
    }
  }

  /**
   * Analyzes one dump as the agent does before upload (core, files kept in the cache, debuggers,
   * the zip's new dump-info), without a store; prints where the time went. By hand and for
   * bench/analysis.sh.
   */
  @Command(
      name = "analyze",
      description =
          "Analyze one dump zip as before an upload (it is rewritten with its analysis) and print"
              + " the analysis and its timings as JSON; no store, no Kubernetes.")
  static final class Analyze implements Callable<Integer> {
    @Parameters(paramLabel = "ZIP", description = "The dump.")
    Path zip;

    @Option(
        names = "--cache-dir",
        paramLabel = "DIR",
        required = true,
        description = "Where stripped executables, kept binaries and the extracted core go.")
    Path cache;

    @Override
    public Integer call() throws Exception {
      var tools = ToolPaths.discover(System.getenv());
      var analyzer =
          new Analyzer(AnalyzerConfig.of(tools, cache.resolve("analysis")), new ProcessRunner());
      var policy = new BinaryPolicy(true, 512L << 20, Set.of());
      var keeper =
          new BinaryKeeper(
              policy, new BinaryCache(cache.resolve("binaries"), 4L << 30), null, Path.of("/"));
      var step =
          new DumpAnalysis(analyzer, keeper, null, cache.resolve("work"), new AgentMetrics());
      DumpInfo info;
      try (var archive = DumpArchive.open(zip)) {
        info = archive.info();
      }
      info = step.prepare(zip, info);
      var t = step.lastStep();
      var a = info.analysis();
      System.out.printf(
          "{\"top_frame\":%s,\"signature\":%s,\"extract_ms\":%d,\"collect_ms\":%d,"
              + "\"analyze_ms\":%d,\"rewrite_ms\":%d,\"total_ms\":%d}%n",
          a == null || a.topFrame() == null
              ? "null"
              : "\"" + a.topFrame().replace("\"", "'") + "\"",
          a == null || a.signature() == null ? "null" : "\"" + a.signature() + "\"",
          t == null ? -1 : t.extract(),
          t == null ? -1 : t.collect(),
          t == null ? -1 : t.analyze(),
          t == null ? -1 : t.rewrite(),
          t == null ? -1 : t.total());
      return a == null || a.signature() == null ? ExitCode.FAILURE.code() : ExitCode.OK.code();
    }
  }

  /** Restores the kernel settings and removes the composer. */
  @Command(
      name = "uninstall",
      description = "Restore the node's kernel settings and remove the composer.")
  static final class Uninstall implements Callable<Integer> {
    @Override
    public Integer call() {
      PrintWriter err =
          new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
      AgentConfig config = config(err);
      if (config == null) {
        return ExitCode.USAGE.code();
      }
      try {
        Agent.nodeSetup(config).uninstall(false);
        return ExitCode.OK.code();
      } catch (InstallException e) {
        LOG.error("uninstall failed: {}", OperatorAdvice.explain(e));
        return ExitCode.FAILURE.code();
      }
    }
  }
}
