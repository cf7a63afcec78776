package dev.coroner.base.files;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;

/**
 * The one way coroner writes a file that others may read at any moment: into {@code NAME.partial}
 * (created new, with its final mode, so a secret is never readable by others even briefly), fsync
 * the file, rename it over {@code NAME} atomically, then fsync the directory so the rename survives
 * a power cut. Readers see the old file or the new one, never half of it; a crash leaves only a
 * {@code .partial}, which nothing takes for a finished file.
 */
public final class AtomicFiles {
  /** {@code rw-------}: dumps, configs, caches. Cores hold secrets. */
  public static final Set<PosixFilePermission> PRIVATE_FILE =
      PosixFilePermissions.fromString("rw-------");

  /** {@code rwx------}: an executable only root runs (the composer's launcher). */
  public static final Set<PosixFilePermission> PRIVATE_EXECUTABLE =
      PosixFilePermissions.fromString("rwx------");

  /** {@code rwx------}: directories that hold dumps or their parts. */
  public static final Set<PosixFilePermission> PRIVATE_DIR =
      PosixFilePermissions.fromString("rwx------");

  /** The suffix of a file being written. */
  public static final String PARTIAL = ".partial";

  private AtomicFiles() {}

  /** Writes the content of a file being written; the stream is closed by the caller. */
  @FunctionalInterface
  public interface Content {
    /** Writes everything to {@code out}; throwing leaves the target untouched. */
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes {@code target} through its partial file, as the class comment says. Any failure deletes
   * the partial and leaves {@code target} as it was.
   *
   * @return {@code target}
   */
  public static Path write(Path target, Set<PosixFilePermission> mode, Content content)
      throws IOException {
    Path partial = partialOf(target);
    Files.deleteIfExists(partial);
    boolean done = false;
    try (FileChannel ch = create(partial, mode)) {
      try (OutputStream out = Channels.newOutputStream(ch)) {
        content.writeTo(nonClosing(out));
        out.flush();
        ch.force(true);
      }
      publish(partial, target);
      done = true;
      return target;
    } finally {
      if (!done) {
        Files.deleteIfExists(partial);
      }
    }
  }

  /** {@link #write} of a UTF-8 string. */
  public static Path writeString(Path target, Set<PosixFilePermission> mode, String content)
      throws IOException {
    return write(target, mode, out -> out.write(content.getBytes(StandardCharsets.UTF_8)));
  }

  /** {@code NAME.partial} beside {@code target}. */
  public static Path partialOf(Path target) {
    return target.resolveSibling(target.getFileName() + PARTIAL);
  }

  /**
   * Creates a new file that does not exist yet, with {@code mode} from the first moment.
   *
   * @throws FileAlreadyExistsException if it exists
   */
  public static FileChannel create(Path file, Set<PosixFilePermission> mode) throws IOException {
    return FileChannel.open(
        file,
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(mode));
  }

  /**
   * Renames a finished, already synced partial file over {@code target} and syncs the directory.
   */
  public static Path publish(Path partial, Path target) throws IOException {
    Files.move(
        partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(
        Objects.requireNonNull(
            target.toAbsolutePath().getParent(), "a file other than / has a parent directory"));
    return target;
  }

  /** Makes the directory's entries (a rename, a new file) durable. */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /**
   * Creates {@code dir} and its missing parents as 0700, and narrows an existing {@code dir} that
   * others may enter (0755, 0777) to 0700: dumps must sit where only their owner can look.
   *
   * @return whether an existing directory's mode had to be narrowed
   */
  public static boolean ensurePrivateDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
      Files.setPosixFilePermissions(dir, PRIVATE_DIR); // the umask may have narrowed it further
      return false;
    }
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
    if (mode.equals(PRIVATE_DIR)) {
      return false;
    }
    Files.setPosixFilePermissions(dir, PRIVATE_DIR);
    return true;
  }

  /** Whether {@code dir} has the sticky bit (a shared directory like /tmp). */
  public static boolean isSticky(Path dir) throws IOException {
    try {
      return (((Number) Files.getAttribute(dir, "unix:mode")).intValue() & 01000) != 0;
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  private static OutputStream nonClosing(OutputStream out) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }

      @Override
      public void close() {
        // the helper closes the file after syncing it
      }
    };
  }
}
