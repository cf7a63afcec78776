package dev.coroner.scrub;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The heap drop: which writable segments are anonymous memory that no debugger needs, and zeroing
 * them. Kept are the segments that NT_FILE maps a file into (a library's or the program's data),
 * and those holding an address the debuggers start from: each thread's stack pointer and thread
 * pointer (TCB, static TLS: libthread_db), and the loader's list of libraries (r_debug, its
 * link_map nodes and their names, which ld.so allocates in anonymous memory: without them gdb sees
 * no shared library, and frames in libc lose their names and their unwind tables).
 */
final class HeapDrop {
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();
  private static final long AT_PHDR = 3;
  private static final long AT_PHNUM = 5;
  private static final int PT_DYNAMIC = 2;
  private static final int PT_PHDR = 6;
  private static final long DT_DEBUG = 21;
  private static final int MAX_LIBRARIES = 4096;

  private final ElfCore core;
  private final List<Long> kept = new ArrayList<>();

  private HeapDrop(ElfCore core) {
    this.core = core;
  }

  /** The addresses to keep; a warning when the loader's list is not found. */
  static HeapDrop plan(CoreFile ch, ElfCore core, List<String> warnings) throws IOException {
    HeapDrop d = new HeapDrop(core);
    d.kept.addAll(core.stackPointers());
    d.kept.addAll(core.threadPointers());
    if (!d.keepLoaderList(ch)) {
      warnings.add("heap drop: the loader's list of libraries was not found (static program?)");
    }
    return d;
  }

  boolean isHeap(ElfCore.Segment s) {
    for (long a : kept) {
      if (s.containsAddress(a)) {
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

  // AT_PHDR -> the program's PT_DYNAMIC -> DT_DEBUG -> r_debug.r_map -> link_map (l_name at 8,
  // l_next at 24), as gdb's solib-svr4 reads them.
  private boolean keepLoaderList(CoreFile ch) throws IOException {
    long phdr = aux(AT_PHDR);
    long phnum = aux(AT_PHNUM);
    if (phdr == 0 || phnum <= 0 || phnum > 256) {
      return false;
    }
    ByteBuffer ph = core.memory(ch, phdr, (int) phnum * 56);
    if (ph == null) {
      return false;
    }
    long bias = 0;
    long dynamic = 0;
    long dynamicSize = 0;
    for (int i = 0; i < phnum; i++) {
      int type = ph.getInt(i * 56);
      if (type == PT_PHDR) {
        bias = phdr - ph.getLong(i * 56 + 16);
      } else if (type == PT_DYNAMIC) {
        dynamic = ph.getLong(i * 56 + 16);
        dynamicSize = Math.min(ph.getLong(i * 56 + 40), 64 * 1024);
      }
    }
    ByteBuffer dyn =
        dynamic == 0 || dynamicSize <= 0
            ? null
            : core.memory(ch, bias + dynamic, (int) dynamicSize);
    long rDebug = 0;
    for (int i = 0; dyn != null && i + 16 <= dyn.limit(); i += 16) {
      if (dyn.getLong(i) == DT_DEBUG) {
        rDebug = dyn.getLong(i + 8);
      }
    }
    ByteBuffer r = rDebug == 0 ? null : core.memory(ch, rDebug, 16);
    if (r == null) {
      return false;
    }
    kept.add(rDebug);
    long node = r.getLong(8);
    for (int n = 0; node != 0 && n < MAX_LIBRARIES; n++) {
      ByteBuffer m = core.memory(ch, node, 40);
      if (m == null) {
        break;
      }
      kept.add(node);
      kept.add(m.getLong(8));
      node = m.getLong(24);
    }
    return true;
  }

  private long aux(long type) {
    for (long[] a : core.auxv()) {
      if (a[0] == type) {
        return a[1];
      }
    }
    return 0;
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
