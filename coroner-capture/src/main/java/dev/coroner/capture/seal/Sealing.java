package dev.coroner.capture.seal;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.capture.log.CaptureLog;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.capture.write.DumpWriter;
import dev.coroner.capture.write.OwnerAcl;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.ScrubMode;
import dev.coroner.seal.DumpScrubber;
import dev.coroner.seal.EnvironFile;
import dev.coroner.seal.StreamSeal;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Where and when a dump is scrubbed at capture, for the pipe composer and the socket receiver
 * alike. With a node agent, the agent scrubs before upload (its policy per namespace and pod), and
 * the composer only leaves the environment beside the dump ({@link EnvironFile}). Without one (one
 * host, {@code scrub=} not {@code off}), the dump is written into the private {@code .scrub/}
 * directory under the dump directory, which nothing lists, and once the crashing process is
 * released the composer scrubs it into the dump directory itself: a dump is listed only once
 * scrubbed.
 */
public final class Sealing {
  /**
   * The staging directory under the dump directory for the {@code default} mode; its zips are not
   * dumps yet. Other modes stage in {@code .scrub-MODE}, so that whoever finishes a scrub a capture
   * left undone knows the mode.
   */
  public static final String STAGING = ".scrub";

  /** The lock a scrub of the staged {@code zip} holds: {@code .NAME.zip.lock} beside it. */
  public static Path lockOf(Path zip) {
    return zip.resolveSibling("." + zip.getFileName() + ".lock");
  }

  /** The staging directory of {@code mode} (never {@code off}) under {@code dumpDir}. */
  public static Path staging(Path dumpDir, ScrubMode mode) {
    return dumpDir.resolve(mode == ScrubMode.DEFAULT ? STAGING : STAGING + "-" + mode.id());
  }

  private final CaptureSettings settings;
  private final CaptureLog log;
  private final boolean here;

  private Sealing(CaptureSettings settings, CaptureLog log, boolean here) {
    this.settings = settings;
    this.log = log;
    this.here = here;
  }

  /** The sealing the settings ask for. */
  public static Sealing of(CaptureSettings settings, CaptureLog log) {
    return new Sealing(
        settings, log, settings.agentSocket() == null && settings.scrub() != ScrubMode.OFF);
  }

  /** Whether anyone will scrub with the environment's values. */
  public boolean wantsEnviron() {
    return here || settings.agentSocket() != null;
  }

  /** The settings the dump is written with: into the staging directory when scrubbed here. */
  public CaptureSettings writeTo() {
    return here ? settings.withDumpDir(staging(settings.dumpDir(), settings.scrub())) : settings;
  }

  /**
   * The seal to apply while the dump is written (a large core is then scrubbed as it streams and
   * never written out raw), or null: with an agent, or a mode that cannot stream. Once per dump.
   */
  public @Nullable StreamSeal streamSeal(byte @Nullable [] environ) {
    if (!here) {
      return null;
    }
    return StreamSeal.open(settings.scrub(), environ, StreamSeal.STREAM_FROM);
  }

  /** For the agent's scrub: the environment beside the dump-to-be. Never fails a capture. */
  public void leaveEnviron(String name, byte @Nullable [] environ) {
    if (here || environ == null) {
      return;
    }
    try {
      AtomicFiles.ensurePrivateDirectory(settings.dumpDir());
      EnvironFile.write(settings.dumpDir().resolve(name + ".zip"), environ);
    } catch (IOException | RuntimeException e) {
      log.info("cannot leave the environment for the scrubber (" + e + "); rules only");
    }
  }

  /** No dump was written: the environment left for it goes too. */
  public void forget(String name) {
    try {
      EnvironFile.delete(settings.dumpDir().resolve(name + ".zip"));
    } catch (IOException | RuntimeException e) {
      log.info("cannot delete the environment left for the scrubber: " + e);
    }
  }

  /**
   * Scrubs a staged dump into the dump directory, and clears {@code environ}. A dump that cannot be
   * scrubbed stays staged, unlisted, and the log says why; its lock file ({@link #lockOf}) is held
   * meanwhile, so that {@code coroner list} finishes only the scrubs whose capture died.
   */
  public DumpWriter.Written complete(DumpWriter.Written written, byte @Nullable [] environ) {
    try {
      if (!here) {
        return written;
      }
      long start = System.nanoTime();
      Path target = settings.dumpDir().resolve(written.file().getFileName());
      // Held while scrubbing: whoever finds a staged dump's lock free knows its capture is gone. A
      // file of its own, since a POSIX lock goes when the process closes any descriptor of its
      // file, and the scrub opens and closes the staged zip.
      Path lockFile = lockOf(written.file());
      try (FileChannel held =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        var unusedLock = held.lock(); // released with the channel, or when the process dies
        if (written.info().scrub() != null) {
          // Sealed while written (StreamSeal): only the move into the dump directory is left.
          Path published = AtomicFiles.publish(written.file(), target);
          Files.deleteIfExists(lockFile);
          OwnerAcl.grant(published, written.owner(), log);
          log.info(
              "scrubbed ("
                  + settings.scrub().id()
                  + ") while written: "
                  + java.util.Objects.requireNonNull(written.info().scrub(), "scrub").rules()
                  + "; published "
                  + target);
          return new DumpWriter.Written(published, written.info(), written.owner());
        }
        var out =
            DumpScrubber.of(settings.level(), 2)
                .scrub(
                    written.file(),
                    target,
                    written.info(),
                    new DumpScrubber.Request(settings.scrub(), environ));
        Files.deleteIfExists(written.file());
        Files.deleteIfExists(lockFile);
        // The owner may read the scrubbed dump only (the staged raw one was no one's).
        OwnerAcl.grant(out.file(), written.owner(), log);
        DumpInfo.ScrubInfo r = java.util.Objects.requireNonNull(out.info().scrub(), "scrub");
        log.info(
            "scrubbed ("
                + settings.scrub().id()
                + ") in "
                + (System.nanoTime() - start) / 1_000_000
                + " ms: "
                + r.rules()
                + (r.complete() ? "" : "; INCOMPLETE, the core was dropped")
                + "; published "
                + target);
        return new DumpWriter.Written(out.file(), out.info(), written.owner());
      } catch (IOException | RuntimeException e) {
        log.info(
            "scrubbing failed ("
                + e.getMessage()
                + "); the dump stays unlisted in "
                + written.file().getParent()
                + " until 'coroner list' (as root) finishes its scrub");
        return written;
      }
    } finally {
      if (environ != null) {
        Arrays.fill(environ, (byte) 0);
      }
    }
  }
}
