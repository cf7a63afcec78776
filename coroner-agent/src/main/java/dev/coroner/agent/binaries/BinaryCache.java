package dev.coroner.agent.binaries;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.store.KeptBinaries;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The node's copies of crashed processes' files, by build-id ({@code DIR/BUILD_ID/FILE_NAME}):
 * copied once per build, uploaded from here (the original may change under an upload: a package
 * upgrade, a container that goes), and read by the next analysis of the same build. The least
 * recently used go first past a size bound.
 */
public final class BinaryCache {
  private final Path dir;
  private final long maxBytes;

  public BinaryCache(Path dir, long maxBytes) throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    AtomicFiles.ensurePrivateDirectory(dir);
  }

  /** The cached copy, or null; a hit counts as a use. */
  public @Nullable Path get(String buildId, String fileName) {
    Path p = path(buildId, fileName);
    if (!Files.isRegularFile(p)) {
      return null;
    }
    try {
      Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis()));
    } catch (IOException e) {
      // only the pruning order suffers
    }
    return p;
  }

  /** Copies {@code source} in (through a partial file) unless cached; the copy. */
  public Path put(String buildId, String fileName, FileChannel source) throws IOException {
    Path p = path(buildId, fileName);
    if (Files.isRegularFile(p)) {
      return p;
    }
    Files.createDirectories(p.getParent());
    AtomicFiles.write(
        p,
        AtomicFiles.PRIVATE_FILE,
        out -> {
          long size = source.size();
          var sink = Channels.newChannel(out);
          for (long done = 0; done < size; ) {
            long n = source.transferTo(done, size - done, sink);
            if (n <= 0) {
              throw new IOException("the file shrank while it was copied");
            }
            done += n;
          }
        });
    prune(p);
    return p;
  }

  /** {@link #put(String, String, FileChannel)} from a path. */
  public Path put(String buildId, String fileName, Path source) throws IOException {
    try (FileChannel in = FileChannel.open(source)) {
      return put(buildId, fileName, in);
    }
  }

  /** SHA-256 of a file, in hex. */
  public static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private Path path(String buildId, String fileName) {
    KeptBinaries.check(buildId, fileName);
    return dir.resolve(buildId).resolve(fileName);
  }

  /** Deletes the least recently used copies past the bound, never {@code keep}. */
  private void prune(Path keep) throws IOException {
    List<Path> files;
    try (Stream<Path> all = Files.walk(dir, 2)) {
      files =
          all.filter(Files::isRegularFile)
              .filter(f -> !f.getFileName().toString().endsWith(AtomicFiles.PARTIAL))
              .sorted(Comparator.comparingLong((Path f) -> f.toFile().lastModified()).reversed())
              .toList();
    }
    long total = 0;
    for (Path f : files) {
      total += Files.size(f);
      if (total > maxBytes && !f.equals(keep)) {
        Files.deleteIfExists(f);
        try (Stream<Path> left = Files.list(f.getParent())) {
          if (left.findAny().isEmpty()) {
            Files.deleteIfExists(f.getParent());
          }
        }
      }
    }
  }
}
