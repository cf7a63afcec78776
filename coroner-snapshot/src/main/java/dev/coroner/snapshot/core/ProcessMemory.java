package dev.coroner.snapshot.core;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jspecify.annotations.Nullable;

/**
 * Reads a process's memory through {@code /proc/PID/mem} (pread, as debuggers do) and which of its
 * pages exist through {@code /proc/PID/pagemap}. Pages that cannot be read (I/O and PFN mappings
 * such as {@code [vvar]}) read as zeros, as the kernel writes holes into its own cores.
 */
public final class ProcessMemory implements Closeable {
  public static final int PAGE = 4096;
  private static final long PRESENT = 1L << 63;
  private static final long SWAPPED = 1L << 62;

  private final FileChannel mem;
  private final @Nullable FileChannel pagemap;
  private final ByteBuffer entries =
      ByteBuffer.allocateDirect(8 * 512).order(ByteOrder.nativeOrder());
  private long unreadablePages;
  private final java.util.TreeMap<Long, byte[]> saved = new java.util.TreeMap<>();

  private ProcessMemory(FileChannel mem, @Nullable FileChannel pagemap) {
    this.mem = mem;
    this.pagemap = pagemap;
  }

  /** Opens {@code procRoot/pid/mem} and its pagemap (if readable). */
  public static ProcessMemory open(Path procRoot, long pid) throws IOException {
    Path dir = procRoot.resolve(Long.toString(pid));
    FileChannel mem = FileChannel.open(dir.resolve("mem"), StandardOpenOption.READ);
    FileChannel pagemap = null;
    try {
      pagemap = FileChannel.open(dir.resolve("pagemap"), StandardOpenOption.READ);
    } catch (IOException e) {
      // without pagemap every page is read; untouched anonymous pages then read as zeros anyway
    }
    return new ProcessMemory(mem, pagemap);
  }

  /** Pages that could not be read and were given as zeros so far. */
  public long unreadablePages() {
    return unreadablePages;
  }

  /**
   * Fills {@code dst} (its remaining bytes, a multiple of the page size) with the memory at {@code
   * address}. With {@code skipAbsent}, pages that pagemap says are neither present nor swapped are
   * not read: in anonymous memory they are zeros, and reading them would only fault in the zero
   * page.
   */
  public void read(long address, ByteBuffer dst, boolean skipAbsent) {
    read(address, dst, skipAbsent, true);
  }

  /**
   * As {@link #read(long, ByteBuffer, boolean)}; {@code count} false does not count unreadable
   * pages (the vvar pages of a special mapping, unreadable by design).
   */
  public void read(long address, ByteBuffer dst, boolean skipAbsent, boolean count) {
    var copy = saved.floorEntry(address);
    if (copy != null && address - copy.getKey() < copy.getValue().length) {
      int from = (int) (address - copy.getKey());
      int n = Math.min(dst.remaining(), copy.getValue().length - from);
      dst.put(copy.getValue(), from, n);
      zero(dst);
      return;
    }
    long before = unreadablePages;
    int pages = dst.remaining() / PAGE;
    long[] present = skipAbsent ? presentRuns(address, pages) : null;
    int page = 0;
    while (page < pages) {
      boolean there = present == null || isSet(present, page);
      int run = 1;
      while (page + run < pages && (present == null || isSet(present, page + run) == there)) {
        run++;
      }
      ByteBuffer slice = dst.slice(dst.position() + page * PAGE, run * PAGE);
      if (there) {
        readRun(address + (long) page * PAGE, slice);
      } else {
        zero(slice);
      }
      page += run;
    }
    dst.position(dst.position() + pages * PAGE);
    if (!count) {
      unreadablePages = before;
    }
  }

  /**
   * Memory copied earlier (while the process was stopped) for {@code start}: reads there come from
   * {@code data} instead of the process.
   */
  public void save(long start, byte[] data) {
    saved.put(start, data);
  }

  /** Reads the first bytes of a mapping, or null when they cannot be read. */
  public byte @Nullable [] peek(long address, int length) {
    ByteBuffer b = ByteBuffer.allocate(length);
    try {
      while (b.hasRemaining()) {
        if (mem.read(b, address + b.position()) <= 0) {
          return null;
        }
      }
      return b.array();
    } catch (IOException e) {
      return null;
    }
  }

  private void readRun(long address, ByteBuffer dst) {
    try {
      while (dst.hasRemaining()) {
        int n = mem.read(dst, address + dst.position());
        if (n <= 0) {
          break;
        }
      }
      if (!dst.hasRemaining()) {
        return;
      }
    } catch (IOException e) {
      // fall through: page by page, so that one unreadable page costs only itself
    }
    int done = dst.position() / PAGE * PAGE;
    for (int at = done; at < dst.limit(); at += PAGE) {
      ByteBuffer page = dst.slice(at, PAGE);
      try {
        while (page.hasRemaining() && mem.read(page, address + at + page.position()) > 0) {
          // read the rest of the page
        }
      } catch (IOException e) {
        // unreadable: zeros below
      }
      if (page.hasRemaining()) {
        unreadablePages++;
        zero(page.position(0));
      }
    }
    dst.position(dst.limit());
  }

  /** A bit per page: present or swapped; null when pagemap cannot tell (then read everything). */
  private long @Nullable [] presentRuns(long address, int pages) {
    if (pagemap == null) {
      return null;
    }
    long[] bits = new long[(pages + 63) / 64];
    long first = Long.divideUnsigned(address, PAGE);
    try {
      for (int done = 0; done < pages; ) {
        int n = Math.min(pages - done, entries.capacity() / 8);
        entries.clear().limit(n * 8);
        long pos = (first + done) * 8;
        while (entries.hasRemaining()) {
          if (pagemap.read(entries, pos + entries.position()) <= 0) {
            return null;
          }
        }
        for (int i = 0; i < n; i++) {
          long e = entries.getLong(i * 8);
          if ((e & (PRESENT | SWAPPED)) != 0) {
            bits[(done + i) >> 6] |= 1L << ((done + i) & 63);
          }
        }
        done += n;
      }
      return bits;
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean isSet(long[] bits, int i) {
    return (bits[i >> 6] & (1L << (i & 63))) != 0;
  }

  private static final byte[] ZEROS = new byte[PAGE];

  private static void zero(ByteBuffer b) {
    while (b.hasRemaining()) {
      b.put(ZEROS, 0, Math.min(PAGE, b.remaining()));
    }
  }

  @Override
  public void close() throws IOException {
    try (mem) {
      if (pagemap != null) {
        pagemap.close();
      }
    }
  }
}
