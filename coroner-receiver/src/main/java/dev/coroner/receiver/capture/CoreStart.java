package dev.coroner.receiver.capture;

import dev.coroner.receiver.elf.CoreNotes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import org.jspecify.annotations.Nullable;

/**
 * The start of a core, read into memory before the dump file is created, then replayed in front of
 * the rest of the stream. The dump's name holds the signal, and on 6.18 only the core's own notes
 * tell it: the ELF header, the program headers (the note segment's first), and the first notes
 * (NT_PRSTATUS of the dumping thread, NT_PRPSINFO, NT_SIGINFO), which the kernel writes before any
 * memory. Only as much is read as those need, at most {@link #MAX} bytes.
 */
final class CoreStart implements ReadableByteChannel {
  /** 65,535 program headers and the first notes: a process with that many mappings is rare. */
  static final int MAX = 4 << 20;

  /** Enough for the dumping thread's first notes; the rest of the note segment is not needed. */
  static final int NOTES = 16 << 10;

  private static final int EHDR = 64;
  private static final int PHDR = 56;
  private static final int PT_NOTE = 4;

  private final ReadableByteChannel in;
  private final ByteBuffer head;
  private final CoreNotes notes;
  private final @Nullable IOException failure;

  private CoreStart(ReadableByteChannel in, ByteBuffer head, @Nullable IOException failure) {
    this.in = in;
    this.head = head;
    this.notes = CoreNotes.parse(head.duplicate());
    this.failure = failure;
  }

  /**
   * Reads the start of the core from {@code in}; a short or non-ELF stream is kept as it is. A read
   * that fails (the deadline, a killed task) is kept too and thrown once the bytes read before it
   * have been replayed, so the dump keeps them, marked truncated.
   */
  static CoreStart read(ReadableByteChannel in) {
    ByteBuffer buf = ByteBuffer.allocate(EHDR).order(ByteOrder.LITTLE_ENDIAN);
    IOException failure = null;
    try {
      boolean more = fill(in, buf);
      int need = wanted(buf);
      while (more && need > buf.position()) {
        ByteBuffer bigger = ByteBuffer.allocate(need).order(ByteOrder.LITTLE_ENDIAN);
        bigger.put(buf.flip());
        buf = bigger;
        more = fill(in, buf);
        need = Math.max(need, wanted(buf));
      }
    } catch (IOException e) {
      failure = e;
    }
    return new CoreStart(in, buf.flip(), failure);
  }

  /** The signal, the crashing thread and the command, as far as the start tells them. */
  CoreNotes notes() {
    return notes;
  }

  /** The bytes read ahead. */
  int length() {
    return head.limit();
  }

  /**
   * How many bytes the notes need, from what has been read: the ELF header, then the first program
   * header, then the note segment's start (or, if the first header is no note, all headers).
   */
  static int wanted(ByteBuffer b) {
    int have = b.position();
    if (have < EHDR || !isElf64(b)) {
      return have < EHDR ? EHDR : have;
    }
    long phoff = b.getLong(32);
    int phnum = Short.toUnsignedInt(b.getShort(56));
    if (phoff < EHDR || phoff > MAX - PHDR || Short.toUnsignedInt(b.getShort(54)) != PHDR) {
      return have;
    }
    long firstEnd = phoff + PHDR;
    if (have < firstEnd) {
      return (int) firstEnd;
    }
    int ph = (int) phoff;
    long want;
    if (b.getInt(ph) == PT_NOTE) {
      long offset = b.getLong(ph + 8);
      long size = b.getLong(ph + 32);
      want = offset < 0 || size < 0 ? have : offset + Math.min(size, NOTES);
    } else {
      want = phoff + (long) phnum * PHDR + NOTES;
    }
    return (int) Math.max(have, Math.min(want, MAX));
  }

  private static boolean isElf64(ByteBuffer b) {
    return b.getInt(0) == 0x464c457f && b.get(4) == 2 && b.get(5) == 1;
  }

  /** Reads until {@code buf} is full; false at end of stream. */
  private static boolean fill(ReadableByteChannel in, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      if (in.read(buf) < 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (head.hasRemaining()) {
      int n = Math.min(head.remaining(), dst.remaining());
      dst.put(head.slice(head.position(), n));
      head.position(head.position() + n);
      return n;
    }
    if (failure != null) {
      throw failure;
    }
    return in.read(dst);
  }

  @Override
  public boolean isOpen() {
    return in.isOpen();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
