package dev.coroner.scrub;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The heap drop: which writable segments are anonymous memory other than a stack, and zeroing them.
 * A segment is file-backed when NT_FILE maps a file anywhere in it (its writable part is a
 * library's or the program's data, which the loader and gdb need), and a stack when a thread's
 * stack pointer from NT_PRSTATUS lies in it.
 */
final class HeapDrop {
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

  private HeapDrop() {}

  static boolean isHeap(ElfCore core, ElfCore.Segment s) {
    for (long sp : core.stackPointers()) {
      if (s.containsAddress(sp)) {
        return false;
      }
    }
    long end = s.vaddr() + s.memSize();
    for (long[] f : core.fileRanges()) {
      if (Long.compareUnsigned(f[0], end) < 0 && Long.compareUnsigned(s.vaddr(), f[1]) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Zeroes the segment's bytes in the file; returns how many. */
  static long zero(FileChannel ch, ElfCore.Segment s) throws IOException {
    long end = s.offset() + s.fileSize();
    for (long p = s.offset(); p < end; ) {
      ByteBuffer z = ZEROS.duplicate();
      z.limit((int) Math.min(z.capacity(), end - p));
      p += ch.write(z, p);
    }
    return s.fileSize();
  }
}
