package dev.coroner.composer;

import dev.coroner.core.dump.ElfCoreHeader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ReadableByteChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.LongSupplier;

/**
 * Streams the core from the kernel's pipe to the dump, 1 MiB at a time, hashing the raw bytes and
 * stopping at the size limit or the free-space floor. The core is never held in memory.
 */
final class CoreCopier {
  private static final int BUFFER = 1 << 20;

  /** Stops storing when free space would fall below the floor plus this reserve for the tail. */
  static final long RESERVE = 8L << 20;

  /**
   * What the copy saw: raw size, its hash, the start of the core, why it stopped early and whether
   * the output failed (then the dump being written is unusable).
   */
  record Result(
      long size, String sha256, ElfCoreHeader header, String stopReason, boolean writeFailed) {}

  /** Limits for one copy; {@code freeSpace} is asked before every buffer. */
  record Limits(long maxCoreSize, long keepFree, LongSupplier freeSpace) {}

  private CoreCopier() {}

  /**
   * Copies until end of input, a limit, a read or write failure or a watchdog interrupt; each early
   * stop is reported in the result, never thrown.
   */
  static Result copy(ReadableByteChannel in, OutputStream out, Limits limits) {
    MessageDigest sha = sha256();
    byte[] array = new byte[BUFFER];
    ByteBuffer buf = ByteBuffer.wrap(array);
    byte[] head = new byte[ElfCoreHeader.HEAD_BYTES];
    int headLength = 0;
    long size = 0;
    String stop = null;
    boolean writeFailed = false;
    while (true) {
      long allowed = limits.maxCoreSize() > 0 ? limits.maxCoreSize() - size : Long.MAX_VALUE;
      if (allowed <= 0) {
        stop = "max-core-size: the core exceeds limit.max-core-size=" + limits.maxCoreSize();
        break;
      }
      long free = limits.freeSpace().getAsLong();
      if (free - BUFFER < limits.keepFree() + RESERVE) {
        stop =
            "keep-free: only "
                + free
                + " bytes free in the dump directory; limit.keep-free="
                + limits.keepFree();
        break;
      }
      buf.clear().limit((int) Math.min(BUFFER, allowed));
      int n;
      try {
        n = in.read(buf);
      } catch (ClosedByInterruptException e) {
        stop = "timeout";
        break;
      } catch (IOException e) {
        stop = "read-error: " + e.getMessage();
        break;
      }
      if (n < 0) {
        break;
      }
      sha.update(array, 0, n);
      if (headLength < head.length) {
        int take = Math.min(n, head.length - headLength);
        System.arraycopy(array, 0, head, headLength, take);
        headLength += take;
      }
      size += n;
      try {
        out.write(array, 0, n);
      } catch (IOException e) {
        stop = "write-error: " + e.getMessage();
        writeFailed = true;
        break;
      }
    }
    return new Result(
        size,
        HexFormat.of().formatHex(sha.digest()),
        ElfCoreHeader.parse(head, headLength),
        stop,
        writeFailed);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
