package dev.coroner.cli.debug;

import dev.coroner.cli.analysis.KeptFiles;
import dev.coroner.cli.debugger.Debugger;
import dev.coroner.cli.debugger.DebuggerInvocation;
import dev.coroner.cli.dumps.LocalCopies;
import dev.coroner.cli.dumps.StoreErrors;
import dev.coroner.cli.dumps.StoreOptions;
import dev.coroner.cli.errors.CliException;
import dev.coroner.cli.k8s.DebugKind;
import dev.coroner.cli.k8s.DebugPodOptions;
import dev.coroner.cli.k8s.K8sDebug;
import dev.coroner.cli.k8s.KubeOptions;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.elf.ElfBuildId;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.KeptBinaries;
import dev.coroner.store.PresignedDownloads;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import dev.coroner.store.TransferListener;
import dev.coroner.store.archive.CorruptDumpException;
import dev.coroner.store.archive.DumpArchive;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code coroner debug DUMP}: a debugger with the core and its executable loaded. */
@Command(
    name = "debug",
    mixinStandardHelpOptions = true,
    description = {
      "Open a dump in the right debugger with the core and the executable that crashed loaded.",
      "",
      "Node.js opens in lldb with llnode (v8 bt, v8 source list, v8 findjsobjects); native code in"
          + " gdb; Java in jhsdb (gdb if the JDK has none). The executable recorded in the dump is"
          + " used when its build-id matches the core's; else pass --exe. Cores are extracted"
          + " once into ~/.cache/coroner (0700) and reused.",
      "",
      "With --k8s the debugger runs in a pod in the cluster instead (the dump's namespace, your"
          + " own kube credentials): it fetches the dump through a short-lived presigned URL,"
          + " copies the executable out of the crashed app's image, and is deleted afterwards.",
      "",
      "Examples:",
      "  coroner debug latest",
      "  coroner debug latest --batch -o 'v8 bt'",
      "  coroner debug 8179c3b0 --debugger gdb --batch -o bt",
      "  coroner debug latest --store s3://crashes/prod --k8s",
      "  coroner debug latest --store s3://crashes/prod --k8s --batch -o 'v8 bt'"
    })
public final class DebugCommand implements Callable<Integer> {
  /** The option's name; {@code Main} supplies its default from {@code CliConfig}. */
  public static final String CACHE_OPTION = LocalCopies.OPTION;

  @Spec CommandSpec spec;

  @Mixin StoreOptions store;

  @Mixin dev.coroner.cli.dumps.IdentityOptions identity;

  @Parameters(paramLabel = "DUMP", description = "The dump: name, uuid prefix, latest or -N.")
  String ref;

  @Option(
      names = "--debugger",
      paramLabel = "lldb|gdb|jhsdb",
      description = "Override the debugger chosen from the runtime.")
  @Nullable String debugger;

  @Option(
      names = "--exe",
      paramLabel = "PATH",
      description =
          "The executable to load, when the recorded one is not here or differs. With --k8s: its"
              + " path inside the app image.")
  @Nullable Path exe;

  @Option(
      names = "--k8s",
      description =
          "Debug in a pod in the cluster rather than here: needs an s3:// store and a kube"
              + " context. See docs/cli.md.")
  boolean k8s;

  @Mixin KubeOptions kube;

  @Mixin DebugPodOptions podOptions;

  @Option(
      names = "--batch",
      description =
          "Run the -o commands without a prompt, print their output and exit with the debugger's status.")
  boolean batch;

  @Option(
      names = {"-o", "--command"},
      paramLabel = "CMD",
      description = "A debugger command to run first (repeatable), e.g. 'v8 bt' or 'bt'.")
  List<String> commands = new ArrayList<>();

  @Option(
      names = "--llnode",
      paramLabel = "PATH",
      description = "The llnode plugin (default: found in the global npm modules).")
  @Nullable Path llnode;

  @Option(
      names = CACHE_OPTION,
      paramLabel = "DIR",
      description =
          "Where extracted cores and debug-stripped executables are kept (0700; the newest 3 cores"
              + " stay). Default: $XDG_CACHE_HOME/coroner or ~/.cache/coroner. Now: ${DEFAULT-VALUE}")
  // Never null: Main's default value provider gives it the cache directory.
  Path cacheDir;

  Map<String, String> env = System.getenv();

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (batch && commands.isEmpty()) {
      throw new CliException(
          CliException.USAGE, "--batch needs at least one -o CMD, e.g. -o 'v8 bt'");
    }
    if (k8s) {
      return inCluster(out, err);
    }
    rejectClusterOptions();
    try (Store s = identity.wrap(store.open(scope(), err))) {
      return debug(s, out, err);
    }
  }

  private int debug(Store s, PrintWriter out, PrintWriter err)
      throws IOException, InterruptedException {
    StoredDump dump = StoreOptions.readable(StoreOptions.resolve(s, ref));
    Tools tools = new Tools(env);
    DebugCache cache = new DebugCache(cacheDir);
    Path core;
    AppRuntime runtime;
    DumpInfo info;
    if (dump.location() instanceof DumpLocation.LocalFile f) {
      try (DumpArchive archive = DumpArchive.open(f.path())) {
        info = archive.info();
        runtime = AppRuntime.detect(info, maps(archive));
        core = cache.core(archive);
      } catch (CorruptDumpException e) {
        throw new CliException(CliException.FAILURE, e.getMessage() + "; the dump is damaged", e);
      }
    } else {
      info = StoreOptions.info(s, dump);
      DebugCache.Cached cached = download(s, dump, info, cache);
      core = cached.core();
      runtime = AppRuntime.detect(info, cached.maps());
    }
    if (info.integrity().truncated()) {
      err.println("warning: the core is truncated (" + info.integrity().reason() + ")");
    }
    Debugger chosen = choose(runtime);
    // The executable and libraries kept with the dump first: the very builds that crashed, even
    // once the image or the package is gone. --exe overrides the executable.
    KeptFiles.Found kept =
        exe == null ? new KeptFiles(cache.root()).find(s, info, core) : KeptFiles.NONE;
    Path sysroot = kept.fromStore() > 0 ? kept.sysroot() : null;
    ExeResolver.Resolved target =
        sysroot != null && kept.exe() != null
            ? new ExeResolver.Resolved(kept.exe(), ElfBuildId.of(kept.exe()).orElse(null))
            : new ExeResolver(tools, err).resolve(info, core, exe);
    Path debuggerPath = debuggerPath(chosen, target.exe(), tools);
    if (chosen == Debugger.JHSDB && debuggerPath == null) {
      err.println("note: no jhsdb next to " + target.exe() + "; using gdb for native frames");
      chosen = Debugger.GDB;
      debuggerPath = tools.require("gdb", Debugger.GDB.installHint());
    }
    Path plugin =
        chosen == Debugger.LLDB && runtime == AppRuntime.NODE ? tools.llnode(llnode) : null;
    Path binary =
        chosen == Debugger.LLDB
            ? cache.stripped(target.exe(), target.buildId(), tools.find("objcopy").orElse(null))
            : target.exe();
    DebuggerLaunch launch =
        DebuggerLaunch.of(
            chosen,
            new DebuggerLaunch.Target(
                // Only a missing jhsdb leaves it null, and gdb replaces it above.
                Objects.requireNonNull(debuggerPath, "debugger path"),
                binary,
                core,
                plugin,
                tools.lldbPythonPath().orElse(null),
                sysroot),
            batch,
            commands);
    if (!batch) {
      banner(err, info, chosen, runtime, binary, core);
      if (sysroot != null) {
        err.println(
            "  libraries  "
                + kept.fromStore()
                + " kept with the dump, in "
                + sysroot
                + (kept.missing().isEmpty()
                    ? ""
                    : "; not found: " + String.join(", ", kept.missing())));
      }
    }
    out.flush();
    err.flush();
    return run(launch, out);
  }

  /** With the cluster store, -n, --context and --kubeconfig say where its CoreDumps are. */
  private StoreOptions.Scope scope() {
    return store.cluster()
        ? new StoreOptions.Scope(kube.namespace(), false, kube.context(), kube.kubeconfig())
        : StoreOptions.Scope.DEFAULT;
  }

  /** The debug pod goes to the cluster the dumps are in: {@code k8s://CONTEXT}'s, if so named. */
  private KubeOptions podKube() {
    String context = store.clusterContext();
    return context == null || kube.context() != null
        ? kube
        : KubeOptions.of(context, kube.namespace(), kube.kubeconfig());
  }

  /** Options for the debug pod mean nothing here: say so rather than ignore them. */
  private void rejectClusterOptions() {
    java.util.Set<String> cluster = java.util.Set.of("--context", "--namespace", "--kubeconfig");
    for (String name : DebugPodOptions.NAMES) {
      if (store.cluster() && cluster.contains(name)) {
        continue;
      }
      if (spec.commandLine().getParseResult().hasMatchedOption(name)) {
        throw new CliException(CliException.USAGE, name + " needs --k8s");
      }
    }
  }

  /** {@code --k8s}: the same dump, opened in a debug pod; nothing is downloaded here. */
  private int inCluster(PrintWriter out, PrintWriter err) {
    try (Store s = identity.wrap(store.open(scope(), err))) {
      PresignedDownloads urls =
          s.presignedDownloads()
              .orElseThrow(
                  () ->
                      new CliException(
                          CliException.USAGE,
                          "--k8s needs the dumps in object storage the pod can fetch from: --store"
                              + " s3://bucket/prefix or k8s (now "
                              + s.url()
                              + ")"));
      StoredDump dump = StoreOptions.readable(StoreOptions.resolve(s, ref));
      if (dump.encrypted()) {
        // The identity would have to reach the pod; docs/scrub.md has the design (exec stdin
        // into a memory volume), not built yet.
        throw new CliException(
            CliException.USAGE,
            "dump "
                + dump.name()
                + " is encrypted at rest, and debug pods cannot decrypt yet; debug it here:"
                + " coroner debug "
                + dump.name()
                + " --identity FILE");
      }
      DumpInfo info = StoreOptions.info(s, dump);
      // Only the name tells the runtime here: proc/maps is inside the zip, which stays in the
      // store.
      AppRuntime runtime = AppRuntime.detect(info, "");
      // The binaries kept with the dump go to the pod by presigned URL too; --exe means the
      // executable comes from the app image.
      var kept = exe == null ? s.keptBinaries() : java.util.Optional.<KeptBinaries>empty();
      return K8sDebug.run(
          urls,
          new K8sDebug.Request(
              dump,
              info,
              kind(runtime),
              exe == null ? null : exe.toString(),
              podKube(),
              podOptions,
              commands,
              batch,
              kept.isPresent() ? info.binaries() : List.of(),
              // A record without a build-id names no kept copy: left out of the pod.
              (b, ttl) -> {
                String id = b.buildId();
                return id == null ? null : kept.orElseThrow().presign(id, b.fileName(), ttl);
              }),
          out,
          err);
    }
  }

  /** The debug image and debugger for a runtime, or for the --debugger asked for. */
  private DebugKind kind(AppRuntime runtime) {
    Debugger chosen = choose(runtime);
    return DebugKind.of(DebuggerInvocation.of(chosen, runtime == AppRuntime.NODE));
  }

  /** A remote dump's core, streamed into the cache with a progress bar. */
  private DebugCache.Cached download(Store s, StoredDump dump, DumpInfo info, DebugCache cache)
      throws IOException {
    try (var bar =
        dev.coroner.cli.dumps.ProgressBar.onTerminal(spec.commandLine().getErr(), "download")) {
      return cache.core(info, () -> counted(open(s, dump), dump.size(), bar));
    }
  }

  private static InputStream open(Store s, StoredDump dump) throws IOException {
    try {
      return s.open(dump);
    } catch (StoreException e) {
      throw StoreErrors.toCli(e, s.url());
    }
  }

  private static InputStream counted(InputStream in, long total, TransferListener listener) {
    return new java.io.FilterInputStream(in) {
      private long done;

      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          listener.progress(++done, total);
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
          done += n;
          listener.progress(done, total);
        }
        return n;
      }
    };
  }

  private Debugger choose(AppRuntime runtime) {
    if (debugger == null) {
      return runtime.debugger();
    }
    try {
      return Debugger.valueOf(debugger.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CliException(
          CliException.USAGE, "--debugger must be lldb, gdb or jhsdb: '" + debugger + "'");
    }
  }

  private static @Nullable Path debuggerPath(Debugger d, Path exe, Tools tools) {
    if (d == Debugger.JHSDB) {
      Path jhsdb = exe.resolveSibling("jhsdb");
      return Files.isExecutable(jhsdb) ? jhsdb : tools.find("jhsdb").orElse(null);
    }
    return tools.require(d.command(), d.installHint());
  }

  private static String maps(DumpArchive archive) throws IOException {
    if (!archive.entries().contains("proc/maps")) {
      return "";
    }
    try (InputStream in = archive.open("proc/maps")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void banner(
      PrintWriter err, DumpInfo info, Debugger d, AppRuntime runtime, Path exe, Path core) {
    err.println(
        "Debugging "
            + info.process().exe()
            + " (pid "
            + info.process().pid()
            + ", "
            + info.process().signalName()
            + ") in "
            + d
            + (runtime == AppRuntime.NODE && d == Debugger.LLDB ? " with llnode" : ""));
    err.println("  executable " + exe);
    err.println("  core       " + core);
    if (runtime == AppRuntime.NODE && d == Debugger.LLDB) {
      err.println("Try:  v8 bt                      JavaScript and native frames");
      err.println("      frame select N; v8 source list   the source of frame N");
      err.println("      v8 findjsobjects           object counts by type");
      err.println("      v8 help                    everything llnode can do");
    } else if (d == Debugger.GDB) {
      err.println("Try:  bt, thread apply all bt, info registers");
    } else if (d == Debugger.JHSDB) {
      err.println("Try:  jstack, threads, where");
    }
  }

  private static int run(DebuggerLaunch launch, PrintWriter out)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(launch.command());
    pb.environment().putAll(launch.env());
    if (launch.stdin() == null && !isBatch(launch)) {
      pb.inheritIO();
      return pb.start().waitFor();
    }
    pb.redirectErrorStream(true);
    Process p = pb.start();
    try (OutputStream stdin = p.getOutputStream()) {
      if (launch.stdin() != null) {
        stdin.write(launch.stdin().getBytes(StandardCharsets.UTF_8));
      }
    }
    try (InputStream in = p.getInputStream()) {
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(new String(buf, 0, n, StandardCharsets.UTF_8));
        out.flush();
      }
    }
    return p.waitFor();
  }

  private static boolean isBatch(DebuggerLaunch launch) {
    return launch.command().contains("--batch") || launch.command().contains("-batch");
  }
}
