package dev.coroner.scrub;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * One scrub of one core file, in place: parse, zero the heap if asked, scan the notes, then scan
 * the writable segments in units of {@link #UNIT} bytes on a small pool, and sync (unless it is a
 * scratch copy).
 */
final class CoreJob {
  /** The read window within a unit. */
  static final int CHUNK = 1 << 20;

  /** The work of one task: large segments are split so that the threads share them. */
  static final long UNIT = 32L << 20;

  // Notes up to this size are scanned whole, with register blanking; larger ones by chunks.
  static final int SMALL_NOTE = 256 << 10;

  private final Scrubber scrubber;
  private final Path path;
  private final boolean sync; // false for a scratch copy: its result is synced where it goes
  private final List<String> warnings = new ArrayList<>();
  private final List<BufferScanner> scanners = new ArrayList<>();

  /** The segments' units, taken in order by the threads. */
  private final List<Unit> units = new ArrayList<>();

  private final AtomicInteger next = new AtomicInteger();
  private final AtomicBoolean stop = new AtomicBoolean();
  private long scanned;
  private long zeroed;
  private int segmentsScanned;
  private int segmentsZeroed;

  CoreJob(Scrubber scrubber, Path path, boolean sync) {
    this.scrubber = scrubber;
    this.path = path;
    this.sync = sync;
  }

  /** A unit of work: match starts in {@code [from, to)} of the segment {@code [segFrom, segTo)}. */
  private record Unit(long segFrom, long segTo, long from, long to) {}

  ScrubReport run() {
    long start = System.nanoTime();
    String failure;
    try (FileChannel ch =
        FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      failure = scrub(ch);
      if (failure == null && sync) {
        ch.force(false);
      }
    } catch (NoSuchFileException e) {
      failure = "no such file: " + path;
    } catch (IOException e) {
      failure = "I/O error: " + e.getMessage();
    } catch (ElfCore.CorruptCoreException e) {
      failure = "not a usable core: " + e.getMessage();
    } catch (RuntimeException e) {
      // A bug, not bad input: parsing checks every bound. Still a report, so that the caller
      // never takes a half-scrubbed core for a complete one.
      failure = "internal error while scrubbing: " + e;
    }
    long nanos = System.nanoTime() - start;
    return new ScrubReport(
        failure == null ? ScrubReport.Status.COMPLETE : ScrubReport.Status.FAILED,
        scrubber.matches(scanners),
        scanned,
        zeroed,
        segmentsScanned,
        segmentsZeroed,
        nanos,
        warnings,
        failure);
  }

  /** Returns why the scrub failed, or null. */
  private @Nullable String scrub(FileChannel ch) throws IOException, ElfCore.CorruptCoreException {
    boolean dropHeap = scrubber.options().dropHeap();
    CoreFile file = CoreFile.of(ch);
    ElfCore core = ElfCore.read(file, dropHeap);
    warnings.addAll(core.warnings());
    if (dropHeap && core.stackPointers().isEmpty()) {
      return "the heap drop needs the threads' stack pointers (NT_PRSTATUS on x86_64 or aarch64)";
    }
    HeapDrop heap = dropHeap ? HeapDrop.plan(file, core, warnings) : null;
    List<ElfCore.Segment> scan = new ArrayList<>();
    List<ElfCore.Segment> drop = new ArrayList<>();
    for (ElfCore.Segment s : core.loads()) {
      if (!s.writable()) {
        continue;
      }
      if (overlapsHeaders(core, s)) {
        return "writable segment " + s.index() + " overlaps the ELF or note headers";
      }
      (heap != null && heap.isHeap(s) ? drop : scan).add(s);
    }
    for (ElfCore.Segment s : drop) {
      zeroed += HeapDrop.zero(ch, s);
      segmentsZeroed++;
    }
    BufferScanner notes = scrubber.newScanner();
    scanners.add(notes);
    scanned += scanNotes(file, scrubber, core, notes);
    return scanSegments(file, scan);
  }

  private static boolean overlapsHeaders(ElfCore core, ElfCore.Segment s) {
    long end = s.offset() + s.fileSize();
    if (s.offset() < core.headerEnd()) {
      return true;
    }
    for (long[] r : core.noteRanges()) {
      if (s.offset() < r[1] && r[0] < end) {
        return true;
      }
    }
    return false;
  }

  /**
   * Scans the notes' payloads with {@code sc}, small ones whole (and their registers blanked),
   * larger ones as memory is scanned; only blanked bytes are written back. Returns the bytes
   * scanned. Shared with {@link CoreStream}, which scans the notes in the core's head.
   */
  // counts has one slot per Rule, by ordinal: no map lookup in the scanning loop.
  @SuppressWarnings("EnumOrdinal")
  static long scanNotes(CoreFile ch, Scrubber scrubber, ElfCore core, BufferScanner sc)
      throws IOException {
    long scanned = 0;
    byte[] b = new byte[SMALL_NOTE + Candidates.PAD];
    byte[] big = new byte[0];
    for (ElfCore.Note n : core.notes()) {
      if (n.descSize() > SMALL_NOTE) {
        // No register set is this large: scan it as memory is scanned, a chunk at a time.
        if (big.length == 0) {
          big = new byte[Scrubber.BEHIND + CHUNK + scrubber.lookahead() + Candidates.PAD];
        }
        long end = n.descOffset() + n.descSize();
        scanUnit(ch, scrubber, new Unit(n.descOffset(), end, n.descOffset(), end), sc, big);
        scanned += n.descSize();
        continue;
      }
      ByteBuffer bb = ByteBuffer.wrap(b, 0, n.descSize());
      while (bb.hasRemaining() && ch.read(bb, n.descOffset() + bb.position()) >= 0) {
        // read until full or the end of the file
      }
      int len = bb.position();
      Arrays.fill(b, len, len + Candidates.PAD, (byte) 0);
      sc.scan(b, 0, len, len);
      if (scrubber.options().rules().contains(Rule.REGISTER_TEXT)) {
        sc.counts[Rule.REGISTER_TEXT.ordinal()] +=
            Registers.blank(sc.w, core.machine(), n.type(), len);
      }
      int[] dirty = sc.w.dirtyRanges();
      for (int i = 0; i < dirty.length; i += 2) {
        ch.write(ByteBuffer.wrap(b, dirty[i], dirty[i + 1] - dirty[i]), n.descOffset() + dirty[i]);
      }
      scanned += len;
    }
    return scanned;
  }

  private @Nullable String scanSegments(CoreFile ch, List<ElfCore.Segment> segments)
      throws IOException {
    for (ElfCore.Segment s : segments) {
      long end = s.offset() + s.fileSize();
      for (long u = s.offset(); u < end; u += UNIT) {
        units.add(new Unit(s.offset(), end, u, Math.min(end, u + UNIT)));
      }
      scanned += s.fileSize();
      segmentsScanned++;
    }
    int threads = Math.min(scrubber.options().threads(), Math.max(1, units.size()));
    List<BufferScanner> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(scrubber.newScanner());
    }
    scanners.addAll(workers);
    if (threads == 1) {
      work(ch, workers.get(0));
      return null;
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads, CoreJob::daemon);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (BufferScanner w : workers) {
        done.add(pool.submit(() -> work(ch, w)));
      }
      return awaitAll(done);
    } finally {
      pool.shutdownNow();
    }
  }

  private @Nullable String awaitAll(List<Future<?>> done) throws IOException {
    String failure = null;
    for (Future<?> f : done) {
      try {
        f.get();
      } catch (InterruptedException e) {
        stop.set(true);
        Thread.currentThread().interrupt();
        failure = "interrupted";
      } catch (ExecutionException e) {
        stop.set(true);
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        failure = "internal error while scrubbing: " + e.getCause();
      }
    }
    return failure;
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "coroner-scrub");
    t.setDaemon(true);
    return t;
  }

  private Void work(CoreFile ch, BufferScanner sc) throws IOException {
    byte[] buf = new byte[Scrubber.BEHIND + CHUNK + scrubber.lookahead() + Candidates.PAD];
    for (int i = next.getAndIncrement(); i < units.size(); i = next.getAndIncrement()) {
      if (stop.get()) {
        return null;
      }
      try {
        scanUnit(ch, scrubber, units.get(i), sc, buf);
      } catch (IOException | RuntimeException e) {
        stop.set(true);
        throw e;
      }
    }
    return null;
  }

  /**
   * Scans one unit, {@link #CHUNK} bytes of start positions at a time, each read with its
   * look-behind and look-ahead; only the blanked bytes are written back, so that two threads whose
   * windows overlap never write each other's original bytes over a blank.
   */
  private static void scanUnit(CoreFile ch, Scrubber scrubber, Unit u, BufferScanner sc, byte[] buf)
      throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(buf);
    for (long ws = u.from(); ws < u.to(); ws += CHUNK) {
      long readFrom = Math.max(u.segFrom(), ws - Scrubber.BEHIND);
      long readTo = Math.min(u.segTo(), ws + CHUNK + scrubber.lookahead());
      int len = (int) (readTo - readFrom);
      bb.clear().limit(len);
      while (bb.hasRemaining()) {
        if (ch.read(bb, readFrom + bb.position()) < 0) {
          throw new IOException("the core ended while being read");
        }
      }
      int from = (int) (ws - readFrom);
      int to = (int) (Math.min(u.to(), ws + CHUNK) - readFrom);
      sc.scan(buf, from, to, len);
      int[] dirty = sc.w.dirtyRanges();
      for (int i = 0; i < dirty.length; i += 2) {
        ch.write(ByteBuffer.wrap(buf, dirty[i], dirty[i + 1] - dirty[i]), readFrom + dirty[i]);
      }
    }
  }
}
