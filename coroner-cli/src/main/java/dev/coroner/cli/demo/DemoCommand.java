package dev.coroner.cli.demo;

import dev.coroner.cli.CliException;
import dev.coroner.cli.install.CaptureOptions;
import dev.coroner.core.dump.DumpArchive;
import dev.coroner.core.dump.DumpInfo;
import dev.coroner.core.install.InstallException;
import dev.coroner.core.install.InstallOptions;
import dev.coroner.core.install.KernelSettings;
import dev.coroner.core.install.NodeSetup;
import dev.coroner.core.units.ByteSizes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code coroner demo}: the whole flow on this host. Installs the handler for the duration (unless
 * it is installed already), crashes the example Node.js app, waits for its dump, shows it and
 * restores the kernel settings, on Ctrl-C too.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Crash the example Node.js app and show the dump it leaves. Needs root and node.",
      "",
      "If coroner is not installed, the handler is installed for the demo only and the",
      "kernel settings are restored afterwards, also on Ctrl-C. The dump stays in --dumps."
    })
public final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--prefix",
      paramLabel = "DIR",
      description = "Install prefix (default: ${DEFAULT-VALUE}).",
      defaultValue = "/opt/coroner")
  Path prefix;

  @Option(
      names = "--dumps",
      paramLabel = "DIR",
      description = "Dump directory for a temporary install (default: ${DEFAULT-VALUE}).",
      defaultValue = "/var/lib/coroner/dumps")
  Path dumps;

  @Option(
      names = "--app",
      paramLabel = "DIR",
      description = "The crashing app (default: examples/crashing-nodejs-app in CORONER_HOME).")
  Path app;

  @Option(
      names = "--wait",
      paramLabel = "SECONDS",
      description = "How long to wait for the dump (default: ${DEFAULT-VALUE}).",
      defaultValue = "120")
  int waitSeconds;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path appDir = appDir();
    NodeSetup setup =
        new NodeSetup(prefix, InstallOptions.PROC_SYS, line -> out.println("  " + line));
    boolean installed = isInstalled(setup);
    Thread restore = new Thread(() -> uninstall(setup, out), "coroner-demo-restore");
    Path dumpDir = dumps;
    if (installed) {
      out.println("1. coroner is already installed under " + prefix + "; using it.");
      dumpDir = installedDumpDir();
    } else {
      out.println("1. Installing the core handler for this demo (restored at the end):");
      Runtime.getRuntime().addShutdownHook(restore);
      install(setup);
    }
    try {
      out.println("2. Running the example app; it throws and node aborts with SIGTRAP:");
      out.flush();
      long pid = crashApp(appDir, out);
      out.println("3. Waiting for the dump of pid " + pid + " in " + dumpDir + " ...");
      out.flush();
      Path dump = awaitDump(dumpDir, pid, out);
      show(dump, out);
    } finally {
      if (!installed) {
        uninstall(setup, out);
        Runtime.getRuntime().removeShutdownHook(restore);
      }
    }
    return 0;
  }

  private Path appDir() {
    Path dir = app;
    if (dir == null) {
      String home = System.getenv("CORONER_HOME");
      dir = Path.of(home == null ? "." : home, "examples/crashing-nodejs-app");
    }
    if (!Files.isRegularFile(dir.resolve("index.js"))) {
      throw new CliException(
          CliException.NOT_FOUND,
          "no example app at " + dir + "; pass --app DIR or run bin/coroner from the repository");
    }
    return dir;
  }

  private boolean isInstalled(NodeSetup setup) throws IOException {
    return KernelSettings.read(InstallOptions.PROC_SYS).corePattern().equals(setup.corePattern());
  }

  private Path installedDumpDir() throws IOException {
    var props = new java.util.Properties();
    try (var in = Files.newInputStream(prefix.resolve("composer.properties"))) {
      props.load(in);
    }
    return Path.of(props.getProperty("dump.dir", dumps.toString()));
  }

  private void install(NodeSetup setup) {
    CaptureOptions defaults = new CaptureOptions();
    picocli.CommandLine.populateCommand(defaults, "--dumps", dumps.toString());
    try {
      setup.install(
          new InstallOptions(
              prefix,
              InstallOptions.PROC_SYS,
              dev.coroner.cli.install.JavaHomes.forComposer(),
              dev.coroner.cli.install.JavaHomes.composerJars(),
              defaults.settings(),
              16),
          false);
    } catch (InstallException e) {
      throw new CliException(CliException.FAILURE, e.getMessage(), e);
    }
  }

  private static void uninstall(NodeSetup setup, PrintWriter out) {
    try {
      out.println("Restoring the kernel settings:");
      setup.uninstall(false);
    } catch (InstallException e) {
      out.println("coroner: could not restore: " + e.getMessage());
    }
    out.flush();
  }

  private long crashApp(Path appDir, PrintWriter out) throws IOException, InterruptedException {
    String node = findNode();
    Process p =
        new ProcessBuilder(node, "--abort-on-uncaught-exception", "index.js")
            .directory(appDir.toFile())
            .redirectErrorStream(true)
            .start();
    try (var in = p.getInputStream()) {
      new String(in.readAllBytes()).lines().forEach(l -> out.println("   | " + l));
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new CliException(CliException.FAILURE, "the example app did not exit within 60 s");
    }
    out.println("   node exited with " + p.exitValue() + " (128 + 5 = SIGTRAP, core dumped)");
    return p.pid();
  }

  private static String findNode() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path node = Path.of(dir, "node");
      if (Files.isExecutable(node)) {
        return node.toString();
      }
    }
    throw new CliException(
        CliException.FAILURE, "node is not installed; run: apt-get install -y nodejs");
  }

  private Path awaitDump(Path dir, long pid, PrintWriter out) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Path> found = findDump(dir, pid);
      if (found.isPresent()) {
        return found.get();
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
    throw new CliException(
        CliException.FAILURE,
        "no dump of pid "
            + pid
            + " in "
            + dir
            + " after "
            + waitSeconds
            + " s; see "
            + prefix.resolve("composer.log"));
  }

  private static Optional<Path> findDump(Path dir, long pid) {
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".zip")).toList()) {
        try (DumpArchive a = DumpArchive.open(f)) {
          if (a.info().process().hostPid() == pid) {
            return Optional.of(f);
          }
        } catch (IOException e) {
          // not ours or not readable; keep looking
        }
      }
    } catch (IOException e) {
      // the directory may not exist until the first dump
    }
    return Optional.empty();
  }

  private static void show(Path dump, PrintWriter out) throws IOException {
    try (DumpArchive a = DumpArchive.open(dump)) {
      DumpInfo i = a.info();
      out.println("4. The dump:");
      out.println("   " + dump + " (" + ByteSizes.format(Files.size(dump)) + ")");
      out.println("   exe      " + i.process().exePath() + " (" + i.process().exe() + ")");
      out.println("   signal   " + i.process().signal() + " " + i.process().signalName());
      out.println("   pid      " + i.process().pid() + " (host " + i.process().hostPid() + ")");
      out.println(
          "   core     "
              + ByteSizes.format(i.core().size())
              + " raw, "
              + ByteSizes.format(i.core().storedSize())
              + " stored ("
              + i.core().compression()
              + "), sha256 "
              + i.core().sha256());
      out.println(
          "   complete " + (i.integrity().truncated() ? "NO: " + i.integrity().reason() : "yes"));
      out.println("   entries  " + String.join(", ", a.entries()));
    }
  }
}
