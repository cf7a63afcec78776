package dev.coroner.cli.dumps;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.base.text.SafeText;
import dev.coroner.capture.log.CaptureLog;
import dev.coroner.capture.seal.Sealing;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.capture.write.OwnerAcl;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.ScrubMode;
import dev.coroner.seal.DumpScrubber;
import dev.coroner.store.archive.DumpArchive;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Finishes the one-host scrubs that a capture left undone: a composer or receiver killed while
 * scrubbing leaves its dump in the staging directory ({@link Sealing#staging}), where nothing lists
 * it. Such a dump's lock file is free (a live scrub holds it, {@link Sealing#lockOf}) and it is
 * older than {@link #SETTLED}; it is scrubbed here, in the mode its directory names, with the rules
 * only (the process's environment went with the capture), then published and listed like any other.
 * One that was already sealed while it was written (its dump-info carries a complete scrub in that
 * mode, or one that dropped the core) is only moved, as its capture would have done. Only whoever
 * may write the dump directory (root) does it; others never see the staging directory.
 */
final class UnfinishedScrubs {
  /** A staged zip younger than this may still be between its rename and its scrub's lock. */
  static final Duration SETTLED = Duration.ofSeconds(60);

  private UnfinishedScrubs() {}

  /** Finishes what is left in {@code dumpDir}'s staging directories; tells {@code err}. */
  static void finish(Path dumpDir, PrintWriter err) {
    if (!Files.isWritable(dumpDir)) {
      return;
    }
    for (ScrubMode mode : List.of(ScrubMode.DEFAULT, ScrubMode.DROP_HEAP)) {
      Path staging = Sealing.staging(dumpDir, mode);
      if (!trusted(staging, dumpDir)) {
        continue;
      }
      for (Path zip : staged(staging)) {
        finishOne(zip, staging, dumpDir, mode, err);
      }
    }
  }

  // The capture makes it: a private directory of the dump directory's owner, not a link. One that
  // someone else made in a loose dump directory is not taken for a capture's staging.
  private static boolean trusted(Path staging, Path dumpDir) {
    try {
      if (!Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS) || !Files.isWritable(staging)) {
        return false;
      }
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(staging);
      boolean privateMode =
          perms.stream()
              .noneMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"));
      // Staged dumps once gave their owner an ACL here: its mask shows as the group bits.
      boolean privateAcl =
          !privateMode
              && perms.stream()
                  .noneMatch(
                      p -> p.name().startsWith("OTHERS") || p == PosixFilePermission.GROUP_WRITE)
              && OwnerAcl.privateWithAcl(staging);
      return Files.getOwner(staging, LinkOption.NOFOLLOW_LINKS).equals(Files.getOwner(dumpDir))
          && (privateMode || privateAcl);
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static List<Path> staged(Path staging) {
    List<Path> zips = new ArrayList<>();
    Instant settled = Instant.now().minus(SETTLED);
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(staging, "*.zip")) {
      for (Path p : ds) {
        if (!p.getFileName().toString().startsWith(".")
            && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
            && Files.getLastModifiedTime(p).toInstant().isBefore(settled)) {
          zips.add(p);
        }
      }
    } catch (IOException e) {
      // An unreadable staging directory hides nothing the listing could show anyway.
    }
    return zips;
  }

  private static void finishOne(
      Path zip, Path staging, Path dumpDir, ScrubMode mode, PrintWriter err) {
    String name = SafeText.line(zip.getFileName().toString());
    Path target = dumpDir.resolve(zip.getFileName());
    Path lockFile = Sealing.lockOf(zip);
    try (FileChannel ch =
        FileChannel.open(
            lockFile,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null || !Files.isRegularFile(zip, LinkOption.NOFOLLOW_LINKS)) {
        return; // a capture or another command is scrubbing it, or has just finished
      }
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        // Its capture published it scrubbed and was killed before it removed the staged copy.
        Files.delete(zip);
        Files.deleteIfExists(lockFile);
        return;
      }
      DumpInfo info;
      byte[] status;
      try (DumpArchive a = DumpArchive.open(zip)) {
        info = a.info();
        status = a.entries().contains("proc/status") ? readAll(a, "proc/status") : null;
      }
      DumpInfo.ScrubInfo sealed = info.scrub();
      if (sealed != null
          && mode.id().equals(sealed.mode())
          && (sealed.complete() || info.core().entry() == null)) {
        // Scrubbed while it streamed (StreamSeal); its capture died before the move: only that
        // is left, as Sealing would have done it. Scrubbing it again would cost as much as the
        // capture did.
        Path published = AtomicFiles.publish(zip, target);
        Files.deleteIfExists(lockFile);
        grantOwner(published, info, status);
        err.println(
            "published "
                + name
                + ", scrubbed ("
                + mode.id()
                + ") while it was captured; its capture stopped before the move; it is listed now");
        return;
      }
      long start = System.nanoTime();
      err.println(
          "scrubbing "
              + name
              + " ("
              + mode.id()
              + "), whose capture stopped before its scrub ended; rules only, since the process's"
              + " environment went with the capture");
      err.flush();
      var out =
          DumpScrubber.of(Integer.parseInt(CaptureSettings.Defaults.LEVEL), 2)
              .scrub(zip, target, info, new DumpScrubber.Request(mode, null));
      Files.delete(zip);
      Files.deleteIfExists(lockFile);
      grantOwner(out.file(), out.info(), status);
      DumpInfo.ScrubInfo r = out.info().scrub();
      err.println(
          "scrubbed "
              + name
              + " in "
              + (System.nanoTime() - start) / 1_000_000
              + " ms"
              + (r != null && !r.complete() ? "; INCOMPLETE, the core was dropped" : "")
              + "; it is listed now");
    } catch (IOException | RuntimeException e) {
      err.println(
          "warning: cannot finish the scrub of "
              + name
              + " in "
              + SafeText.line(staging.toString())
              + ": "
              + SafeText.line(String.valueOf(e.getMessage()))
              + "; it stays unlisted, and the next command tries again");
    }
  }

  /** As the capture would have: the crashed process's owner may read its dump. */
  private static void grantOwner(Path dump, DumpInfo info, byte @Nullable [] status) {
    CaptureLog acl = CaptureLog.open(null);
    OwnerAcl.grant(dump, OwnerAcl.ownerOf(info.process().uid(), status), acl);
    acl.flush();
  }

  private static byte[] readAll(DumpArchive a, String entry) throws IOException {
    try (var in = a.open(entry)) {
      return in.readNBytes(1 << 20);
    }
  }
}
