package dev.coroner.agent.seal;

import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.ScrubMode;
import dev.coroner.seal.DumpScrubber;
import dev.coroner.seal.EnvironFile;
import dev.coroner.store.crypt.AgeEncryption;
import dev.coroner.store.crypt.AgeRecipients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a dump fit to leave the node, right before its upload: scrubs it in place by the {@link
 * ScrubPolicy} (a dump whose dump-info already has {@code scrub} was done by an earlier run or on
 * capture), then, by the {@link EncryptionPolicy}, encrypts the scrubbed zip to {@code
 * NAME.zip.age} beside it. The dump is published scrubbed before anything is sent, so an upload
 * never carries a half-scrubbed dump, and a restart never scrubs twice.
 */
public final class DumpSealing {
  private static final Logger LOG = LoggerFactory.getLogger(DumpSealing.class);

  private final ScrubPolicy scrub;
  private final EncryptionPolicy encryption;
  private final DumpScrubber scrubber;

  public DumpSealing(ScrubPolicy scrub, EncryptionPolicy encryption, DumpScrubber scrubber) {
    this.scrub = scrub;
    this.encryption = encryption;
    this.scrubber = scrubber;
  }

  /**
   * What to upload for a dump.
   *
   * @param file the zip, or its age file
   * @param info the dump-info to describe it with: the zip's, or the readable copy of an encrypted
   *     one
   * @param temporary a file to delete once the upload is over, or null
   */
  public record Sealed(Path file, DumpInfo info, @Nullable Path temporary) {}

  /**
   * Scrubs and encrypts {@code zip}, described by {@code info}.
   *
   * @throws DumpScrubber.DamagedDumpException if the zip does not hold what its dump-info says
   * @throws IOException if the disk fails; the zip is as it was, or scrubbed and published
   */
  public Sealed seal(Path zip, DumpInfo info) throws IOException {
    DumpInfo current = info;
    if (info.scrub() == null) {
      ScrubPolicy.Choice choice = scrub.choose(info);
      if (choice.mode() == ScrubMode.OFF) {
        LOG.info("{} is not scrubbed: scrub off by {}", info.name(), choice.because());
        current =
            info.scrubbed(
                info.process(),
                info.pod(),
                info.core(),
                info.integrity(),
                info.files(),
                new DumpInfo.ScrubInfo(ScrubMode.OFF.id(), Map.of(), false, 0));
      } else {
        current = scrubbed(zip, info, choice);
      }
    }
    EnvironFile.delete(zip);
    Optional<AgeRecipients> to = encryption.recipients(current);
    if (to.isEmpty()) {
      return new Sealed(zip, current, null);
    }
    Path age = zip.resolveSibling(zip.getFileName() + AgeEncryption.SUFFIX);
    long start = System.nanoTime();
    AgeEncryption.encrypt(zip, age, to.get());
    LOG.info(
        "{} encrypted to {} age recipient(s) in {} ms",
        info.name(),
        to.get().keys().size(),
        (System.nanoTime() - start) / 1_000_000);
    return new Sealed(
        age,
        current.readableCopy(
            new DumpInfo.EncryptionInfo(AgeEncryption.FORMAT, to.get().keys(), DumpInfo.WITHHELD)),
        age);
  }

  private DumpInfo scrubbed(Path zip, DumpInfo info, ScrubPolicy.Choice choice) throws IOException {
    byte[] environ = EnvironFile.read(zip);
    try {
      DumpScrubber.Scrubbed s;
      try {
        s = scrubber.scrub(zip, zip, info, new DumpScrubber.Request(choice.mode(), environ));
      } catch (DumpScrubber.DamagedDumpException e) {
        EnvironFile.delete(zip); // the zip goes to corrupt/, never to be scrubbed
        throw e;
      }
      DumpInfo.ScrubInfo r = java.util.Objects.requireNonNull(s.info().scrub(), "scrub");
      LOG.info(
          "scrubbed {} ({} by {}{}) in {} ms: {} matches {}{}",
          info.name(),
          r.mode(),
          choice.because(),
          environ == null ? "; no environment beside it" : "",
          r.durationMs(),
          r.totalMatches(),
          r.rules(),
          r.complete() ? "" : "; the core could not be scrubbed and was DROPPED");
      return s.info();
    } finally {
      if (environ != null) {
        Arrays.fill(environ, (byte) 0);
      }
    }
  }

  /**
   * Deletes what a killed agent or capture left in the dump directory: age files and scrub
   * temporaries (redone on the next attempt), and environment files whose dump is gone.
   */
  public static void cleanUp(Path dumpDir) {
    try (var files = Files.list(dumpDir)) {
      for (Path f : files.toList()) {
        String n = f.getFileName().toString();
        if (n.endsWith(".zip" + AgeEncryption.SUFFIX)
            || n.endsWith(".zip" + AgeEncryption.SUFFIX + ".partial")
            || n.endsWith(".scrub-core")
            || n.endsWith(".scrub-core.text")) {
          Files.deleteIfExists(f);
        }
      }
      EnvironFile.deleteOrphans(dumpDir, Duration.ofMinutes(15));
    } catch (IOException e) {
      LOG.warn("cannot clean up {}: {}", dumpDir, e.getMessage());
    }
  }
}
