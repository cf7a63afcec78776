package dev.coroner.scrub;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Scrubs an ELF core while it streams from the kernel to the dump, so that it never has to be
 * written out raw and read back: what it passes on is what {@link Scrubber#scrubCore} would make of
 * the whole file. The core's head (the ELF header, the program headers and the notes, which a
 * kernel writes before any memory) is held until whole, parsed and scrubbed in memory; then each
 * writable PT_LOAD is scanned as it passes, holding back only the rules' look-behind and look-ahead
 * (about 1.1 MiB); every other byte passes at once.
 *
 * <p>It never throws for what the core holds, and never changes a length. A core it cannot scrub
 * this way passes on unchanged from the point it knew, and {@link #report()} says why ({@link
 * ScrubReport.Status#FAILED}): not an ELF core, damaged or hostile headers, a head larger than
 * {@link #MAX_HEAD}, writable segments that overlap each other or the head, the heap drop (it reads
 * memory out of order), a core that ends before its last writable segment does, or one smaller than
 * the caller's threshold. Then what was passed on is raw or partly scrubbed, and the caller must
 * scrub it again as a file. Only a complete report means every byte was scrubbed.
 *
 * <p>Not thread-safe: one writer. {@link #close()} passes on what is held back; it does not close
 * the sink.
 */
public final class CoreStream extends OutputStream {
  /**
   * The largest head (headers and notes) held in memory, a process of about 500 threads; a larger
   * one passes on unscrubbed, for the file scrub (the pipe composer's heap is 16 MiB).
   */
  public static final int MAX_HEAD = 2 << 20;

  private static final int ELF_HEADER = 64;
  private static final int PN_XNUM = 0xffff;

  private enum State {
    HEADER,
    TABLE,
    NOTES,
    BODY,
    PASS
  }

  private final Scrubber scrubber;
  private final OutputStream out;
  private final long minSize;
  private @Nullable BufferScanner sc; // made once the core is known to be streamed
  private final List<String> warnings = new ArrayList<>();
  private final byte[] single = new byte[1];

  private State state = State.HEADER;
  private @Nullable String failure;
  private long nanos;
  private boolean closed;

  // The head: bytes [0, headLength) of the core, until `need` of them are in.
  private byte[] head = new byte[4096];
  private int headLength;
  private long need = ELF_HEADER;
  private long phoff;
  private int phentsize;
  private long phnum;
  private long announced;

  // The body: the next byte's offset, the writable segments ahead, in file order.
  private long pos;
  private List<ElfCore.Segment> segments = List.of();
  private int segment;
  private long scanned;
  private int segmentsScanned;

  // The current segment's held bytes: buf[0, done) scanned, waiting for a later match that may
  // blank back into them; buf[done, have) not scanned yet.
  private byte @Nullable [] buf;
  private int have;
  private int done;

  CoreStream(Scrubber scrubber, OutputStream out, long minSize) {
    this.scrubber = scrubber;
    this.out = Objects.requireNonNull(out, "out");
    this.minSize = minSize;
    if (scrubber.options().dropHeap()) {
      decline("the heap drop reads the core out of order; scrub the file");
    }
  }

  /**
   * Whether it declined the core and passes every byte on unchanged, holding none back: what is
   * left of the core may as well go around it (the report stays failed with the reason).
   */
  public boolean passingThrough() {
    return state == State.PASS;
  }

  /** Whether every byte passed on so far was scrubbed, and nothing went wrong. */
  public boolean scrubbing() {
    return failure == null;
  }

  /**
   * What was scrubbed; complete only once closed with every writable segment scanned and no
   * failure.
   */
  public ScrubReport report() {
    String why = failure;
    if (why == null && !closed) {
      why = "the stream is not closed";
    }
    return new ScrubReport(
        why == null ? ScrubReport.Status.COMPLETE : ScrubReport.Status.FAILED,
        sc == null ? Map.of() : scrubber.matches(List.of(sc)),
        scanned,
        0,
        segmentsScanned,
        0,
        nanos,
        warnings,
        why);
  }

  @Override
  public void write(int b) throws IOException {
    single[0] = (byte) b;
    write(single, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (closed) {
      throw new IOException("the core stream is closed");
    }
    long start = System.nanoTime();
    try {
      while (len > 0) {
        if (state == State.PASS) {
          out.write(b, off, len);
          pos += len;
          return;
        }
        if (state == State.BODY) {
          body(b, off, len);
          return;
        }
        int n = (int) Math.min(len, need - headLength);
        if (head.length < headLength + n) {
          long grown = Math.min(need, Math.max(headLength + n, 2L * head.length));
          head = java.util.Arrays.copyOf(head, (int) grown);
        }
        System.arraycopy(b, off, head, headLength, n);
        headLength += n;
        pos += n;
        off += n;
        len -= n;
        if (headLength == need) {
          advanceHead();
        }
      }
    } finally {
      nanos += System.nanoTime() - start;
    }
  }

  /** Passes on what is held back and ends the scrub; the sink stays open. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    long start = System.nanoTime();
    try {
      if (state == State.HEADER || state == State.TABLE || state == State.NOTES) {
        declineAndRelease("the core ended within its headers and notes, at byte " + pos);
      } else if (state == State.BODY) {
        byte[] held = Objects.requireNonNull(buf, "a body has its buffer");
        if (have > 0) {
          scan(held, done, have, have);
          out.write(held, 0, have);
          have = 0;
        }
        if (segment < segments.size()) {
          ElfCore.Segment s = segments.get(segment);
          decline(
              "the core ended at byte "
                  + pos
                  + ", within or before its writable segment "
                  + s.index()
                  + " (it is cut short)");
        }
      }
    } finally {
      closed = true;
      nanos += System.nanoTime() - start;
    }
  }

  private void advanceHead() throws IOException {
    try {
      switch (state) {
        case HEADER -> header();
        case TABLE -> table();
        case NOTES -> parse();
        default -> throw new IllegalStateException("not in the head: " + state);
      }
    } catch (ElfCore.CorruptCoreException e) {
      declineAndRelease("not a usable core: " + e.getMessage());
    } catch (RuntimeException e) {
      declineAndRelease("internal error while reading the core's head: " + e);
    }
  }

  private void header() throws IOException, ElfCore.CorruptCoreException {
    ByteBuffer eh = ByteBuffer.wrap(head, 0, ELF_HEADER).order(ByteOrder.LITTLE_ENDIAN);
    if (eh.getInt(0) != 0x464c457f) {
      throw new ElfCore.CorruptCoreException("not an ELF file");
    }
    if (eh.get(4) != 2 || eh.get(5) != 1 || Short.toUnsignedInt(eh.getShort(16)) != 4) {
      throw new ElfCore.CorruptCoreException("not a 64-bit little-endian ELF core");
    }
    phoff = eh.getLong(32);
    phentsize = Short.toUnsignedInt(eh.getShort(54));
    phnum = Short.toUnsignedInt(eh.getShort(56));
    if (phnum == PN_XNUM) {
      // The count is in a section header the kernel writes after the memory.
      declineAndRelease("more than 65534 program headers; scrub the file");
      return;
    }
    if (phentsize < 56 || phoff < ELF_HEADER || phnum == 0) {
      throw new ElfCore.CorruptCoreException("no usable program header table");
    }
    long end = phoff + phnum * phentsize;
    if (end > MAX_HEAD) {
      declineAndRelease("a program header table past " + (MAX_HEAD >> 20) + " MiB");
      return;
    }
    state = State.TABLE;
    need = end;
    if (headLength >= need) {
      table();
    }
  }

  private void table() throws IOException, ElfCore.CorruptCoreException {
    ByteBuffer ph = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
    long notesEnd = need;
    long size = need;
    for (long i = 0; i < phnum; i++) {
      int at = (int) (phoff + i * phentsize);
      int type = ph.getInt(at);
      long offset = ph.getLong(at + 8);
      long filesz = ph.getLong(at + 32);
      if ((type != ElfCore.PT_LOAD && type != ElfCore.PT_NOTE) || filesz == 0) {
        continue;
      }
      if (offset < 0 || filesz < 0 || offset > Long.MAX_VALUE - filesz) {
        throw new ElfCore.CorruptCoreException("segment " + i + " lies outside any file");
      }
      size = Math.max(size, offset + filesz);
      if (type == ElfCore.PT_NOTE) {
        notesEnd = Math.max(notesEnd, offset + filesz);
      }
    }
    if (notesEnd > MAX_HEAD) {
      declineAndRelease("notes that end past " + (MAX_HEAD >> 20) + " MiB");
      return;
    }
    announced = size;
    state = State.NOTES;
    need = notesEnd;
    if (headLength >= need) {
      parse();
    }
  }

  private void parse() throws IOException, ElfCore.CorruptCoreException {
    CoreFile file = CoreFile.head(head, headLength, announced);
    ElfCore core = ElfCore.read(file, false);
    warnings.addAll(core.warnings());
    if (announced < minSize) {
      declineAndRelease(
          "a core of "
              + announced
              + " bytes is scrubbed as a file (streamed from "
              + minSize
              + ")");
      return;
    }
    List<ElfCore.Segment> writable = new ArrayList<>();
    for (ElfCore.Segment s : core.loads()) {
      if (s.writable()) {
        writable.add(s);
      }
    }
    writable.sort(Comparator.comparingLong(ElfCore.Segment::offset));
    long end = headLength;
    for (ElfCore.Segment s : writable) {
      if (s.offset() < end) {
        declineAndRelease(
            "writable segment " + s.index() + " overlaps the headers, the notes or another one");
        return;
      }
      end = s.offset() + s.fileSize();
    }
    BufferScanner scanner = scrubber.newScanner();
    sc = scanner;
    scanned += CoreJob.scanNotes(file, scrubber, core, scanner);
    segments = List.copyOf(writable);
    buf = new byte[Scrubber.BEHIND + CoreJob.CHUNK + scrubber.lookahead() + Candidates.PAD];
    state = State.BODY;
    out.write(head, 0, headLength);
    head = new byte[0];
    headLength = 0;
  }

  /** Passes the body on: writable segments through the rules, everything else at once. */
  private void body(byte[] b, int off, int len) throws IOException {
    byte[] held = Objects.requireNonNull(buf, "a body has its buffer");
    int capacity = held.length - Candidates.PAD;
    while (len > 0) {
      ElfCore.Segment s = segment < segments.size() ? segments.get(segment) : null;
      if (s == null || pos < s.offset()) {
        int n = (int) Math.min(len, s == null ? len : s.offset() - pos);
        out.write(b, off, n);
        pos += n;
        off += n;
        len -= n;
        continue;
      }
      long segEnd = s.offset() + s.fileSize();
      int n = (int) Math.min(Math.min(len, segEnd - pos), capacity - have);
      System.arraycopy(b, off, held, have, n);
      have += n;
      pos += n;
      off += n;
      len -= n;
      if (pos == segEnd) {
        scan(held, done, have, have);
        out.write(held, 0, have);
        have = 0;
        done = 0;
        scanned += s.fileSize();
        segmentsScanned++;
        segment++;
      } else if (have == capacity) {
        // Start positions [done, done + CHUNK), with the look-ahead after them; then keep only
        // the look-behind of the next window.
        int to = done + CoreJob.CHUNK;
        scan(held, done, to, have);
        int emit = to - Math.min(Scrubber.BEHIND, to);
        out.write(held, 0, emit);
        System.arraycopy(held, emit, held, 0, have - emit);
        have -= emit;
        done = to - emit;
      }
    }
  }

  /**
   * Runs the rules, unless an earlier scan failed: a bug, not bad input, whose report says so while
   * the bytes still go on, unscanned, so that nothing is lost.
   */
  private void scan(byte[] held, int from, int to, int limit) {
    if (failure != null) {
      return;
    }
    try {
      Objects.requireNonNull(sc, "a body has its scanner").scan(held, from, to, limit);
    } catch (RuntimeException e) {
      failure = "internal error while scrubbing the stream: " + e;
    }
  }

  private void decline(String why) {
    if (failure == null) {
      failure = why;
    }
    state = State.PASS;
  }

  /** Declines while the head is held: it goes on unchanged. */
  private void declineAndRelease(String why) throws IOException {
    decline(why);
    int n = headLength;
    headLength = 0;
    byte[] h = head;
    head = new byte[0];
    out.write(h, 0, n);
  }
}
