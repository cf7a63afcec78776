package dev.coroner.snapshot.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The plan of an ELF core, as the kernel lays one out (fs/binfmt_elf.c {@code elf_core_dump}): ELF
 * header, program headers (PT_NOTE, then a PT_LOAD per mapping), the notes, then each mapping's
 * dumped bytes from the next page boundary on. More than 65534 segments use extended numbering: a
 * section header at the end holds the count.
 */
public final class CoreImage {
  private static final int EHDR = 64;
  private static final int PHDR = 56;
  private static final int SHDR = 64;
  private static final int PN_XNUM = 0xffff;
  private static final int PT_LOAD = 1;
  private static final int PT_NOTE = 4;
  private static final int PF_X = 1;
  private static final int PF_W = 2;
  private static final int PF_R = 4;
  private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

  /** A PT_LOAD: the mapping, where its bytes sit in the core, and how many there are. */
  public record Segment(Mapping mapping, long fileOffset, long fileSize) {}

  private final byte[] head;
  private final List<Segment> segments;
  private final byte[] tail;
  private final long size;

  private CoreImage(byte[] head, List<Segment> segments, byte[] tail, long size) {
    this.head = head;
    this.segments = segments;
    this.tail = tail;
    this.size = size;
  }

  /**
   * Plans the core of {@code mappings} (vsyscall left out: /proc/PID/mem cannot reach it) under
   * {@code filter}. {@code memory} is asked for the first bytes of mappings that might start with
   * an ELF header.
   */
  public static CoreImage plan(
      List<Mapping> mappings, DumpFilter filter, ProcessMemory memory, byte[] notes) {
    List<Mapping> kept = mappings.stream().filter(m -> !m.vsyscall()).toList();
    long[] sizes = new long[kept.size()];
    for (int i = 0; i < kept.size(); i++) {
      Mapping m = kept.get(i);
      sizes[i] =
          switch (filter.extent(m)) {
            case WHOLE -> m.size();
            case ELF_HEADER_PAGE -> startsWithElf(memory, m) ? ProcessMemory.PAGE : 0;
            case NONE -> 0;
          };
    }
    int segs = kept.size() + 1;
    boolean extended = segs >= PN_XNUM;
    long notesOffset = EHDR + (long) PHDR * segs;
    long dataOffset = roundUp(notesOffset + notes.length, ProcessMemory.PAGE);
    List<Segment> segments = new ArrayList<>();
    long at = dataOffset;
    for (int i = 0; i < kept.size(); i++) {
      segments.add(new Segment(kept.get(i), at, sizes[i]));
      at += sizes[i];
    }
    long end = at;
    ByteBuffer h = ByteBuffer.allocate(Math.toIntExact(dataOffset)).order(ByteOrder.LITTLE_ENDIAN);
    elfHeader(h, extended ? PN_XNUM : segs, extended ? end : 0, extended);
    h.position(EHDR);
    programHeader(h, PT_NOTE, 0, notesOffset, 0, notes.length, 0, 0);
    for (Segment s : segments) {
      Mapping m = s.mapping();
      int flags =
          (m.readable() ? PF_R : 0) | (m.writable() ? PF_W : 0) | (m.executable() ? PF_X : 0);
      programHeader(
          h, PT_LOAD, flags, s.fileOffset(), m.start(), s.fileSize(), m.size(), ProcessMemory.PAGE);
    }
    h.put(Math.toIntExact(notesOffset), notes);
    byte[] tail = new byte[0];
    if (extended) {
      ByteBuffer t = ByteBuffer.allocate(SHDR).order(ByteOrder.LITTLE_ENDIAN);
      // SHT_NULL section 0: sh_size = e_shnum (1), sh_link = e_shstrndx (0), sh_info = segments.
      t.putLong(32, 1);
      t.putInt(44, segs);
      tail = t.array();
    }
    return new CoreImage(h.array(), List.copyOf(segments), tail, end + tail.length);
  }

  private static boolean startsWithElf(ProcessMemory memory, Mapping m) {
    byte[] magic = memory.peek(m.start(), 4);
    return magic != null && java.util.Arrays.equals(magic, ELF_MAGIC);
  }

  private static void elfHeader(ByteBuffer h, int phnum, long shoff, boolean extended) {
    h.put(0, ELF_MAGIC);
    h.put(4, (byte) 2); // ELFCLASS64
    h.put(5, (byte) 1); // little endian
    h.put(6, (byte) 1); // EV_CURRENT
    h.putShort(16, (short) 4); // ET_CORE
    h.putShort(18, (short) 62); // EM_X86_64
    h.putInt(20, 1);
    h.putLong(32, EHDR); // e_phoff
    h.putLong(40, shoff);
    h.putShort(52, (short) EHDR);
    h.putShort(54, (short) PHDR);
    h.putShort(56, (short) phnum);
    if (extended) {
      h.putShort(58, (short) SHDR);
      h.putShort(60, (short) 1);
    }
  }

  private static void programHeader(
      ByteBuffer h,
      int type,
      int flags,
      long offset,
      long vaddr,
      long filesz,
      long memsz,
      long align) {
    h.putInt(type).putInt(flags).putLong(offset).putLong(vaddr).putLong(0);
    h.putLong(filesz).putLong(memsz).putLong(align);
  }

  private static long roundUp(long n, long to) {
    return (n + to - 1) / to * to;
  }

  /** ELF header, program headers, notes and the padding to the first segment's data. */
  public byte[] head() {
    return head;
  }

  /** The mappings the core holds, each with where its data is in the file. */
  public List<Segment> segments() {
    return segments;
  }

  /** After the last segment: the extended-numbering section header, or nothing. */
  public byte[] tail() {
    return tail;
  }

  /** The core's size in bytes. */
  public long size() {
    return size;
  }
}
