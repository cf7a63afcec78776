package dev.coroner.seal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The crashed process's environment, handed from the capture to the scrub step beside a dump that
 * is not scrubbed yet: {@code NAME.zip.environ}, 0600, in the dump directory (0700). The dump
 * itself never holds the environment (it is off by default), but env-secret scrubbing needs its
 * values, and /proc/PID/environ is gone once the kernel reaps the task. The file is as sensitive as
 * the unscrubbed core beside it (which holds the same bytes on its stack) and lives exactly as
 * long: the scrub step deletes it once the scrubbed dump is published, and the agent deletes
 * orphans.
 */
public final class EnvironFile {
  /** The suffix after the dump's {@code NAME.zip}. */
  public static final String SUFFIX = ".environ";

  /**
   * Larger than any environment the kernel allows a process (ARG_MAX is a quarter of the stack).
   */
  private static final int MAX_BYTES = 8 << 20;

  private EnvironFile() {}

  /** The side file of the dump {@code zip} ({@code NAME.zip}). */
  public static Path of(Path zip) {
    return zip.resolveSibling(zip.getFileName() + SUFFIX);
  }

  /**
   * Writes {@code environ} beside the dump that will be {@code zip}, before the dump is published.
   * Not synced: after a power cut the dump is scrubbed by its rules alone.
   */
  public static void write(Path zip, byte[] environ) throws IOException {
    Path file = of(zip);
    Files.deleteIfExists(file);
    try (FileChannel ch =
        FileChannel.open(
            file,
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      Channels.newOutputStream(ch).write(environ);
    }
  }

  /** The environment beside {@code zip}, or null when there is none. */
  public static byte @Nullable [] read(Path zip) throws IOException {
    try (InputStream in = Files.newInputStream(of(zip))) {
      return in.readNBytes(MAX_BYTES);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Deletes the side file of {@code zip}, if any. */
  public static void delete(Path zip) throws IOException {
    Files.deleteIfExists(of(zip));
  }

  /**
   * Deletes the side files in {@code dir} whose dump is gone (neither {@code NAME.zip} nor its
   * partial exists) and that are older than {@code grace} (a capture writes the side file before it
   * creates the partial). Returns how many went.
   */
  public static int deleteOrphans(Path dir, Duration grace) throws IOException {
    int deleted = 0;
    Instant before = Instant.now().minus(grace);
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).toList()) {
        String name = f.getFileName().toString();
        Path zip = f.resolveSibling(name.substring(0, name.length() - SUFFIX.length()));
        if (!Files.exists(zip)
            && !Files.exists(zip.resolveSibling(zip.getFileName() + ".partial"))
            && Files.getLastModifiedTime(f).toInstant().isBefore(before)
            && Files.deleteIfExists(f)) {
          deleted++;
        }
      }
    }
    return deleted;
  }
}
