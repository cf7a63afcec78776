package dev.coroner.receiver;

import dev.coroner.receiver.sys.Errno;
import dev.coroner.receiver.sys.ErrnoException;
import dev.coroner.receiver.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;

/** Binds and listens on the coredump socket path, and removes the socket file at the end. */
final class SocketBinder {
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private SocketBinder() {}

  /** The listening socket and the identity of the file it made. */
  record Bound(int fd, Path path, Object fileKey) {}

  /**
   * A non-blocking listening socket on {@code path}, mode 0600. A socket file left by a dead server
   * is replaced; a live one is not.
   */
  static Bound listen(Syscalls sys, Path path, int backlog, int ownerUid) throws IOException {
    SocketPath.check(path, ownerUid);
    removeStale(sys, path);
    int fd = sys.unixStreamSocket(true);
    boolean bound = false;
    try {
      sys.bind(fd, path.toString());
      bound = true;
      // Nobody can connect before listen(), so the umask's mode lasts no longer than this.
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
      Object key = fileKey(path);
      sys.listen(fd, backlog);
      return new Bound(fd, path, key);
    } catch (IOException | RuntimeException e) {
      closeQuietly(sys, fd);
      if (bound) {
        Files.deleteIfExists(path);
      }
      throw e;
    }
  }

  /** Deletes the socket file if it is still the one {@code bound} made. */
  static void unlink(Bound bound) throws IOException {
    if (Files.exists(bound.path(), LinkOption.NOFOLLOW_LINKS)
        && Objects.equals(fileKey(bound.path()), bound.fileKey())) {
      Files.delete(bound.path());
    }
  }

  private static void removeStale(Syscalls sys, Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((mode & S_IFMT) != S_IFSOCK) {
      throw new IOException(
          path + " exists and is not a socket; remove it or choose another coredump socket path");
    }
    int probe = sys.unixStreamSocket(true);
    try {
      sys.connect(probe, path.toString());
      throw alreadyServed(path);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.EAGAIN) {
        throw alreadyServed(path); // listening, with a full backlog
      }
      if (e.errno() != Errno.ECONNREFUSED) {
        throw e;
      }
    } finally {
      closeQuietly(sys, probe);
    }
    Files.delete(path); // ECONNREFUSED: bound once, nobody listens
  }

  private static IOException alreadyServed(Path path) {
    return new IOException(
        "Another server listens on "
            + path
            + "; stop it first, or give this one another coredump socket path");
  }

  private static Object fileKey(Path path) throws IOException {
    return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
        .fileKey();
  }

  static void closeQuietly(Syscalls sys, int fd) {
    try {
      sys.close(fd);
    } catch (IOException e) {
      // nothing to do: the descriptor is gone either way
    }
  }
}
