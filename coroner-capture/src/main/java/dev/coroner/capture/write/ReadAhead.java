package dev.coroner.capture.write;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * Buffers a long-running capture process keeps for reading a core ahead of its hash and its
 * compression, so that a crashing process is released once the kernel has written its core, and the
 * hashing and compressing of what it wrote follow the release (off the crash's path).
 *
 * <p>Made once, at {@link #reserve}, and kept for the life of the process: this kind of VM backs
 * guest memory lazily, and a page the process never touched costs about as much as the copy it
 * holds, so buffers made per crash would cost more than they save. The pipe composer (a new JVM per
 * crash) reserves none and streams through its own four buffers.
 *
 * <p>Shared by the captures of the process: a copy borrows a buffer only when its own are all in
 * flight, and hands it back as soon as its hash and writer are done with it.
 */
public final class ReadAhead {
  /** The largest read-ahead, in MiB: it is kept for the life of the process. */
  public static final int MAX_MIB = 1024;

  private static volatile ReadAhead shared = new ReadAhead(0);

  private final BlockingQueue<CoreCopier.Chunk> free;
  private final int buffers;

  private ReadAhead(int buffers) {
    this.buffers = buffers;
    this.free = new ArrayBlockingQueue<>(Math.max(1, buffers));
    for (int i = 0; i < buffers; i++) {
      CoreCopier.Chunk c = new CoreCopier.Chunk(CoreCopier.BUFFER);
      c.home = free;
      free.add(c);
    }
  }

  /**
   * Makes this process's read-ahead: {@code bytes} rounded down to whole 1 MiB buffers, allocated
   * (and so touched) now. Replaces the previous one; 0 turns it off.
   *
   * @throws IllegalArgumentException for a negative size or one over 1 GiB
   */
  public static void reserve(long bytes) {
    if (bytes < 0 || bytes > (long) MAX_MIB << 20) {
      throw new IllegalArgumentException(
          "the read-ahead must be 0 to " + MAX_MIB + " MiB: " + (bytes >> 20) + " MiB");
    }
    shared = new ReadAhead((int) (bytes / CoreCopier.BUFFER));
  }

  /** This process's read-ahead. */
  static ReadAhead shared() {
    return shared;
  }

  /** A free buffer, or null when none is free now (never waits). */
  CoreCopier.@Nullable Chunk borrow() {
    return buffers == 0 ? null : free.poll();
  }

  /** How many of its buffers are free now (all of them between captures). */
  int available() {
    return free.size();
  }

  /** Whether it has any buffer at all. */
  boolean isOff() {
    return buffers == 0;
  }

  /** Its size in bytes, for the free-space margin. */
  long bytes() {
    return (long) buffers * CoreCopier.BUFFER;
  }
}
