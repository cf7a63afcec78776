package dev.coroner.cli.demo;

import dev.coroner.cli.errors.CliException;
import dev.coroner.cli.install.CaptureOptions;
import dev.coroner.cli.install.InstallErrors;
import dev.coroner.node.ComposerPayload;
import dev.coroner.node.InstallException;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.KernelSettings;
import dev.coroner.node.NodeSetup;
import dev.coroner.store.archive.DumpArchive;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
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
      "Crash the example Node.js app, then list the dump, show it, and open it in lldb +"
          + " llnode: v8 bt and v8 source list on bar's frame. Needs root, node, lldb and llnode"
          + " (bin/setup installs them).",
      "",
      "If coroner is not installed, the handler is installed for the demo only and the kernel"
          + " settings are restored afterwards, also on Ctrl-C. The dump stays in --dumps."
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
  @Nullable Path app;

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
      Path dump = awaitDump(dumpDir, pid);
      String name = dump.getFileName().toString().replaceFirst("\\.zip$", "");
      String store = dumpDir.toString();
      step(out, "4. coroner list", "list", "--store", store, "-n", "5");
      step(out, "5. coroner info " + name, "info", name, "--store", store);
      String bt =
          step(
              out,
              "6. coroner debug " + name + " --batch -o 'v8 bt'",
              "debug",
              name,
              "--store",
              store,
              "--batch",
              "-o",
              "v8 bt");
      Integer frame = barFrame(bt);
      if (frame == null) {
        out.println("(no bar frame in the backtrace; skipping v8 source list)");
      } else {
        step(
            out,
            "7. The source of bar's frame (#" + frame + "): v8 source list",
            "debug",
            name,
            "--store",
            store,
            "--batch",
            "-o",
            "frame select " + frame,
            "-o",
            "v8 source list");
      }
      out.println();
      boolean defaultStore = dumpDir.equals(Path.of("/var/lib/coroner/dumps"));
      out.println(
          "Open it yourself: bin/coroner debug "
              + name.substring(0, 8)
              + (defaultStore ? "" : " --store " + store));
    } finally {
      if (!installed) {
        try {
          Runtime.getRuntime().removeShutdownHook(restore);
          uninstall(setup, out);
        } catch (IllegalStateException shuttingDown) {
          // Ctrl-C: the hook restores the settings
        }
      }
    }
    return 0;
  }

  /** Runs a sibling command with the demo's output; returns what it printed. */
  private String step(PrintWriter out, String title, String... args) {
    out.println();
    out.println(title);
    out.flush();
    StringWriter captured = new StringWriter();
    PrintWriter tee =
        new PrintWriter(
            new Writer() {
              @Override
              public void write(char[] buf, int off, int len) {
                out.write(buf, off, len);
                captured.write(buf, off, len);
              }

              @Override
              public void flush() {
                out.flush();
              }

              @Override
              public void close() {
                flush();
              }
            },
            true);
    CommandLine root = spec.root().commandLine();
    PrintWriter savedOut = root.getOut();
    root.setOut(tee);
    try {
      int code = root.execute(args);
      if (code != 0) {
        throw new CliException(
            code, "'coroner " + String.join(" ", args) + "' failed (exit " + code + ")");
      }
    } finally {
      root.setOut(savedOut);
    }
    return captured.toString();
  }

  /** The number of the frame that runs bar(), from llnode's backtrace. */
  static @Nullable Integer barFrame(String backtrace) {
    Matcher m = Pattern.compile("frame #(\\d+): \\S+ bar\\(").matcher(backtrace);
    return m.find() ? Integer.valueOf(m.group(1)) : null;
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
              ComposerPayload.javaHome(),
              ComposerPayload.jars(),
              defaults.settings(),
              16),
          false);
    } catch (InstallException e) {
      throw InstallErrors.toCli(e);
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
      new String(in.readAllBytes(), Charset.defaultCharset())
          .lines()
          .forEach(l -> out.println("   | " + l));
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new CliException(CliException.FAILURE, "the example app did not exit within 60 s");
    }
    out.println(
        "   node exited with " + p.exitValue() + " (128 + 5: killed by SIGTRAP, core dumped)");
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

  private Path awaitDump(Path dir, long pid) throws InterruptedException {
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
}
