package dev.coroner.capture.write;

import dev.coroner.base.files.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Removes the {@code NAME.zip.partial} files that captures killed half-way left behind (kill -9,
 * OOM, a power cut): nothing ever finishes them, and nothing takes them for dumps, so without this
 * they stay forever. A partial counts as stale when it has not been written for longer than a
 * capture may take (its timeout) plus a grace: a running capture writes its partial continuously,
 * and the watchdog ends every capture by then.
 */
public final class StalePartials {
  /** Past the capture timeout: the watchdog's own grace (at most 30 s) and the final fsync. */
  public static final Duration GRACE = Duration.ofMinutes(1);

  /** One removed partial: its file, size and how long ago it was last written. */
  public record Removed(Path file, long size, Duration age) {
    /** A log line. */
    public String describe() {
      return "removed the stale partial dump "
          + file
          + " ("
          + size
          + " bytes, last written "
          + age.toSeconds()
          + " s ago): a capture was killed while writing it";
    }
  }

  private StalePartials() {}

  /**
   * Removes the partial dumps in {@code dumpDir} older than {@code timeout} + {@link #GRACE}. Never
   * throws: a missing directory has none, a file that cannot be removed is skipped.
   */
  public static List<Removed> sweep(Path dumpDir, Duration timeout, Instant now) {
    Instant cutoff = now.minus(timeout).minus(GRACE);
    List<Removed> removed = new ArrayList<>();
    if (!Files.isDirectory(dumpDir)) {
      return removed;
    }
    try (Stream<Path> files = Files.list(dumpDir)) {
      for (Path f : files.filter(StalePartials::isPartialDump).toList()) {
        try {
          BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
          Instant written = a.lastModifiedTime().toInstant();
          if (a.isRegularFile() && written.isBefore(cutoff) && Files.deleteIfExists(f)) {
            removed.add(new Removed(f, a.size(), Duration.between(written, now)));
          }
        } catch (IOException e) {
          // gone meanwhile, or not ours to remove: the next sweep tries again
        }
      }
    } catch (IOException e) {
      return removed;
    }
    return removed;
  }

  private static boolean isPartialDump(Path p) {
    return p.getFileName().toString().endsWith(".zip" + AtomicFiles.PARTIAL);
  }
}
