package dev.coroner.cli.snapshot;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.base.files.AtomicFiles;
import dev.coroner.base.text.SafeText;
import dev.coroner.base.units.ByteSizes;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.cli.dumps.StoreErrors;
import dev.coroner.cli.dumps.StoreOptions;
import dev.coroner.cli.errors.CliException;
import dev.coroner.snapshot.SnapshotException;
import dev.coroner.snapshot.SnapshotListener;
import dev.coroner.snapshot.SnapshotMethod;
import dev.coroner.snapshot.SnapshotRequest;
import dev.coroner.snapshot.SnapshotResult;
import dev.coroner.snapshot.Snapshotter;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.VerifiedUploads;
import dev.coroner.store.local.LocalStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code coroner snapshot PID}: a dump of a live process, which keeps running. */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description = {
      "Dump a live process without killing it: a core of all its threads, written as an"
          + " ordinary dump ('coroner list', 'info' and 'debug' treat it like any other; its"
          + " signal is 0, shown as 'live').",
      "",
      "The freeze: every thread is stopped (ptrace) only while its registers are copied and"
          + " the process forks a copy-on-write child of itself, a few to a few tens of ms"
          + " (about 20 ms per GiB of memory, for the page tables). The threads then run on"
          + " while the core is written from the child, which is killed and reaped afterwards."
          + " gdb's gcore stops the process for the whole dump instead (seconds per GiB); so"
          + " does --method stop. While the child lives, pages the process writes are copied:"
          + " its memory grows by at most what it writes during the dump, in its own cgroup.",
      "",
      "Permissions: root, or CAP_SYS_PTRACE; without them only a dumpable process of your own"
          + " user (Yama's ptrace_scope permitting). A process that is already traced (gdb,"
          + " strace) cannot be snapshotted. Needs Java 22 or newer (FFM).",
      "",
      "The dump goes to the store's directory (--store, default /var/lib/coroner/dumps); with"
          + " an s3:// store it is uploaded and verified, then removed locally."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the snapshot was written",
      "1:failure (the process could not fork its copy, a thread did not stop in time)",
      "2:usage: a bad option, a thread ID, a kernel thread, Java older than 22",
      "3:no such process",
      "4:the store cannot be reached",
      "6:the dump was written but its core is incomplete",
      "8:no dump could be written (the dump directory)",
      "9:ptrace refused: already traced, no permission, Yama, strict seccomp",
      "10:the process exited during the snapshot"
    })
public final class SnapshotCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreOptions store;

  @Parameters(paramLabel = "PID", description = "The process, as this host sees it.")
  int pid;

  @Option(
      names = "--method",
      paramLabel = "fork|stop",
      defaultValue = "fork",
      description =
          "fork (default): the process runs on while its copy is dumped. stop: the process"
              + " stays stopped while its memory is read, as with gcore (for a process that"
              + " cannot fork: a full cgroup, a seccomp filter that forbids clone).")
  String method;

  @Option(
      names = "--stop-timeout",
      paramLabel = "DURATION",
      defaultValue = "2s",
      description =
          "How long to wait for every thread to stop; a thread stuck in the kernel (state D)"
              + " never does, and the snapshot is then abandoned. Default: ${DEFAULT-VALUE}.")
  String stopTimeout;

  @Override
  public Integer call() {
    SnapshotMethod m = parseMethod();
    Duration timeout = parseTimeout();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (Store s = store.open()) {
      Path dir = s instanceof LocalStore local ? local.dir() : privateTempDir();
      CaptureSettings settings = settings(dir);
      SnapshotResult r;
      try {
        r =
            Snapshotter.system()
                .take(
                    new SnapshotRequest(pid, m, settings, timeout, version(), null),
                    new Progress(err));
      } catch (SnapshotException e) {
        throw new CliException(e.code().code(), e.getMessage(), e);
      }
      Path file = r.file();
      if (!(s instanceof LocalStore)) {
        file = upload(s, r, err);
      }
      out.println(summary(r, file));
      r.warnings().forEach(w -> err.println("coroner: warning: " + SafeText.line(w)));
      out.println("Open it: coroner debug " + r.info().name());
      out.flush();
      return r.info().integrity().truncated() ? ExitCode.DUMP_TRUNCATED.code() : 0;
    }
  }

  private SnapshotMethod parseMethod() {
    try {
      return SnapshotMethod.valueOf(method.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CliException(
          CliException.USAGE, "--method must be fork or stop: '" + SafeText.line(method) + "'");
    }
  }

  private Duration parseTimeout() {
    try {
      Duration d = dev.coroner.base.units.Durations.parse(stopTimeout);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException("not positive");
      }
      return d;
    } catch (RuntimeException e) {
      throw new CliException(
          CliException.USAGE,
          "--stop-timeout must be a duration like 2s or 500ms: '"
              + SafeText.line(stopTimeout)
              + "'");
    }
  }

  private static CaptureSettings settings(Path dir) {
    CaptureSettings d = CaptureSettings.defaults();
    return new CaptureSettings(
        dir,
        d.nameTemplate(),
        d.compression(),
        d.level(),
        d.workers(),
        d.maxCoreSize(),
        d.keepFree(),
        d.maxUse(),
        d.timeout(),
        d.excludeExe(),
        d.environ(),
        null,
        d.agentTimeout());
  }

  private static Path privateTempDir() {
    try {
      return Files.createTempDirectory(
          "coroner-snapshot-", PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE_DIR));
    } catch (IOException e) {
      throw new CliException(CliException.FAILURE, "cannot create a temporary directory: " + e);
    }
  }

  private static Path upload(Store s, SnapshotResult r, PrintWriter err) {
    VerifiedUploads uploads =
        s.verifiedUploads()
            .orElseThrow(
                () ->
                    new CliException(
                        CliException.USAGE,
                        s.url() + " takes no uploads; the snapshot stays in " + r.file()));
    err.println("Uploading to " + s.url() + " ...");
    try {
      uploads.upload(r.file(), r.info());
      uploads.flushIndex();
    } catch (StoreException e) {
      throw new CliException(
          StoreErrors.exitCode(e.failure()).code(),
          e.getMessage() + "; the snapshot stays in " + r.file(),
          e);
    }
    try {
      Files.delete(r.file());
      Files.delete(r.file().getParent());
    } catch (IOException e) {
      err.println("coroner: warning: cannot remove the local copy " + r.file() + ": " + e);
    }
    return Path.of(s.url());
  }

  private static String summary(SnapshotResult r, Path where) {
    var core = r.info().core();
    return String.format(
        Locale.ROOT,
        "Snapshot %s: %d threads, core %s (stored %s), freeze %.1f ms; in %s",
        r.info().name(),
        r.threads(),
        ByteSizes.format(core.size()),
        ByteSizes.format(core.storedSize()),
        r.freezeMicros() / 1000.0,
        where);
  }

  private static String version() {
    String v = SnapshotCommand.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Progress on stderr, one line per stage. */
  private static final class Progress implements SnapshotListener {
    private final PrintWriter err;

    Progress(PrintWriter err) {
      this.err = err;
    }

    @Override
    public void stopping(int pid) {
      err.println("Stopping process " + pid + " ...");
      err.flush();
    }

    @Override
    public void resumed(long freezeMicros) {
      err.printf(
          Locale.ROOT, "Process running again: stopped for %.1f ms%n", freezeMicros / 1000.0);
      err.flush();
    }

    @Override
    public void stopped(int threads) {
      err.println("Copied the registers of " + threads + " threads");
      err.flush();
    }

    @Override
    public void writing(long bytes) {
      err.println("Writing the core (" + ByteSizes.format(bytes) + ") ...");
      err.flush();
    }
  }
}
