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

/**
 * {@code coroner snapshot PID}: a process on this host, dumped here through coroner-snapshot into
 * the store's directory, or uploaded to an {@code s3://} store.
 */
final class HostSnapshot {
  private final StoreOptions store;
  private final PrintWriter out;
  private final PrintWriter err;

  HostSnapshot(StoreOptions store, PrintWriter out, PrintWriter err) {
    this.store = store;
    this.out = out;
    this.err = err;
  }

  /** Takes the snapshot; the exit code. */
  int take(int pid, SnapshotMethod method, Duration stopTimeout) {
    try (Store s = store.open()) {
      Path dir = s instanceof LocalStore local ? local.dir() : privateTempDir();
      CaptureSettings settings = settings(dir);
      SnapshotResult r;
      try {
        r =
            Snapshotter.system()
                .take(
                    new SnapshotRequest(pid, method, settings, stopTimeout, version(), null),
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
    String v = HostSnapshot.class.getPackage().getImplementationVersion();
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
