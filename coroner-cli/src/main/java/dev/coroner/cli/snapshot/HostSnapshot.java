package dev.coroner.cli.snapshot;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.base.files.AtomicFiles;
import dev.coroner.base.text.SafeText;
import dev.coroner.base.units.ByteSizes;
import dev.coroner.capture.log.CaptureLog;
import dev.coroner.capture.proc.ProcSnapshot;
import dev.coroner.capture.seal.Sealing;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.capture.write.DumpWriter;
import dev.coroner.cli.dumps.StoreErrors;
import dev.coroner.cli.dumps.StoreOptions;
import dev.coroner.cli.errors.CliException;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.ScrubMode;
import dev.coroner.node.InstallOptions;
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
import org.jspecify.annotations.Nullable;

/**
 * {@code coroner snapshot PID}: a process on this host, dumped here through coroner-snapshot into
 * the store's directory, or uploaded to an {@code s3://} store. Scrubbed as this host's crashes are
 * ({@link Sealing}, the install's settings): written into the staging directory, scrubbed from
 * there into the store's directory, so that it is listed only once scrubbed.
 */
final class HostSnapshot {
  /** The settings {@code coroner install} writes for this host's crashes. */
  static final Path INSTALLED_SETTINGS =
      InstallOptions.DEFAULT_PREFIX.resolve("composer.properties");

  private final StoreOptions store;
  private final PrintWriter out;
  private final PrintWriter err;
  private final Path installed;

  HostSnapshot(StoreOptions store, PrintWriter out, PrintWriter err) {
    this(store, out, err, INSTALLED_SETTINGS);
  }

  /** With the install's settings read from {@code installed} (tests). */
  HostSnapshot(StoreOptions store, PrintWriter out, PrintWriter err, Path installed) {
    this.store = store;
    this.out = out;
    this.err = err;
    this.installed = installed;
  }

  /** Takes the snapshot, scrubbed with {@code scrub} (null: as the install says); the exit code. */
  int take(int pid, SnapshotMethod method, Duration stopTimeout, @Nullable ScrubMode scrub) {
    try (Store s = store.open()) {
      Path dir = s instanceof LocalStore local ? local.dir() : privateTempDir();
      CaptureSettings settings = settings(dir, scrub);
      // The scrub step's log: written (to stderr) only when the scrub fails, to say why.
      CaptureLog log = CaptureLog.open(null);
      Sealing sealing = Sealing.of(settings, log);
      // The environment's secret values, which the scrub blanks wherever they sit in the core;
      // kept in memory only, and cleared by the scrub.
      byte[] environ = sealing.wantsEnviron() ? ProcSnapshot.environ(Path.of("/proc"), pid) : null;
      SnapshotResult r;
      try {
        r =
            Snapshotter.system()
                .take(
                    new SnapshotRequest(
                        pid, method, sealing.writeTo(), stopTimeout, version(), null),
                    new Progress(err));
      } catch (SnapshotException e) {
        if (environ != null) {
          java.util.Arrays.fill(environ, (byte) 0);
        }
        throw new CliException(e.code().code(), e.getMessage(), e);
      }
      if (settings.scrub() != ScrubMode.OFF) {
        err.println("Scrubbing the dump (" + settings.scrub().id() + ") ...");
        err.flush();
      }
      var sealed = sealing.complete(new DumpWriter.Written(r.file(), r.info(), r.owner()), environ);
      DumpInfo.ScrubInfo report = sealed.info().scrub();
      if (settings.scrub() != ScrubMode.OFF && report == null) {
        log.flush(); // why, on stderr
        throw new CliException(
            CliException.FAILURE,
            "the snapshot could not be scrubbed (the line above says why); it stays unlisted in "
                + sealed.file().getParent()
                + " until 'coroner list' (as root) finishes its scrub");
      }
      if (report != null) {
        err.println(
            "Scrubbed ("
                + report.mode()
                + ") in "
                + report.durationMs()
                + " ms: "
                + report.totalMatches()
                + " secrets blanked "
                + report.rules()
                + (report.complete() ? "" : "; INCOMPLETE, the core was dropped"));
        err.flush();
      }
      r =
          new SnapshotResult(
              sealed.file(), sealed.info(), r.freezeMicros(), r.threads(), r.warnings(), r.owner());
      Path file = r.file();
      if (!(s instanceof LocalStore)) {
        file = upload(s, r, dir, err);
      }
      out.println(summary(r, file));
      r.warnings().forEach(w -> err.println("coroner: warning: " + SafeText.line(w)));
      out.println("Open it: coroner debug " + r.info().name());
      out.flush();
      return r.info().integrity().truncated() ? ExitCode.DUMP_TRUNCATED.code() : 0;
    }
  }

  /**
   * The install's capture settings (names, compression, limits, scrub mode) when they are readable,
   * else the defaults with the mode {@code coroner install} would set; the dump directory is the
   * store's, and no agent is asked: this command scrubs itself, as a one-host crash's capture does.
   */
  CaptureSettings settings(Path dir, @Nullable ScrubMode scrub) {
    CaptureSettings base;
    if (Files.isReadable(installed)) {
      var parsed = CaptureSettings.load(installed);
      parsed
          .problems()
          .forEach(p -> err.println("coroner: warning: " + installed + ": " + SafeText.line(p)));
      base = parsed.settings();
    } else {
      base =
          CaptureSettings.defaults()
              .withScrub(ScrubMode.parse(CaptureSettings.Defaults.INSTALL_SCRUB));
    }
    CaptureSettings here = base.withDumpDir(dir).withAgentSocket(null);
    return scrub != null ? here.withScrub(scrub) : here;
  }

  private static Path privateTempDir() {
    try {
      return Files.createTempDirectory(
          "coroner-snapshot-", PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE_DIR));
    } catch (IOException e) {
      throw new CliException(CliException.FAILURE, "cannot create a temporary directory: " + e);
    }
  }

  private static Path upload(Store s, SnapshotResult r, Path dir, PrintWriter err) {
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
      for (ScrubMode m : ScrubMode.values()) {
        if (m != ScrubMode.OFF) {
          Files.deleteIfExists(Sealing.staging(dir, m));
        }
      }
      Files.delete(dir);
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
