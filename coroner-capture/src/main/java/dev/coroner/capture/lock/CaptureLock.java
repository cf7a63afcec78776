package dev.coroner.capture.lock;

import dev.coroner.base.files.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A lock file that says "a capture is running": each capture holds it shared for its whole run, and
 * uninstall takes it exclusively, after it has stopped new crashes from coming, before it removes
 * the runtime a capture runs from. Uninstall thus waits for captures in flight instead of cutting
 * them off. The lock is the kernel's (fcntl): a capture that dies releases it.
 */
public final class CaptureLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private CaptureLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Holds the lock shared for a capture. Never fails the capture: without the file (an old install)
   * or with an error, the capture goes on unprotected.
   */
  public static Optional<CaptureLock> forCapture(@Nullable Path file) {
    if (file == null) {
      return Optional.empty();
    }
    try {
      FileChannel ch =
          FileChannel.open(
              file,
              java.util.Set.of(
                  StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE_FILE));
      try {
        // Never wait: while uninstall holds it, new crashes no longer come here anyway.
        FileLock l = ch.tryLock(0, Long.MAX_VALUE, true);
        if (l == null) {
          ch.close();
          return Optional.empty();
        }
        return Optional.of(new CaptureLock(ch, l));
      } catch (IOException | RuntimeException e) {
        ch.close();
        return Optional.empty();
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Waits until no capture holds the lock, up to {@code deadline}, and holds it exclusively.
   *
   * @return the lock, or empty if captures still ran at the deadline
   */
  public static Optional<CaptureLock> whenIdle(Path file, Duration deadline) throws IOException {
    FileChannel ch =
        FileChannel.open(
            file,
            java.util.Set.of(
                StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE_FILE));
    long end = System.nanoTime() + deadline.toNanos();
    try {
      while (true) {
        FileLock l = ch.tryLock(0, Long.MAX_VALUE, false);
        if (l != null) {
          return Optional.of(new CaptureLock(ch, l));
        }
        if (System.nanoTime() > end) {
          ch.close();
          return Optional.empty();
        }
        Thread.sleep(50); // polling a lock: fcntl has no timed wait
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ch.close();
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // released when the process exits anyway
    }
  }
}
