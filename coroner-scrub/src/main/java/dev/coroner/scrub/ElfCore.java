package dev.coroner.scrub;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The parts of an ELF64 little-endian core the scrubber needs: its PT_LOAD and PT_NOTE segments,
 * the notes, the threads' stack pointers and the file-backed address ranges. The input is hostile:
 * every count, offset and size is checked against the file, and what cannot be trusted is either
 * clipped (and named in {@link #warnings}) or makes {@link #read} throw {@link
 * CorruptCoreException}.
 *
 * @param machine {@code e_machine}
 * @param loads the PT_LOAD segments with file bytes, clipped to the file
 * @param headerEnd where the ELF header and program header table end in the file
 * @param notes the notes' payloads
 * @param noteRanges the file ranges of the PT_NOTE segments, as {@code [from, to)} pairs
 * @param stackPointers one per thread (NT_PRSTATUS), when the machine is known
 * @param threadPointers each thread's TLS base (fs_base on x86_64), when known
 * @param auxv NT_AUXV as {@code [type, value]} pairs
 * @param fileRanges NT_FILE's mapped address ranges, as {@code [start, end)} pairs
 * @param warnings what was clipped or skipped
 */
record ElfCore(
    int machine,
    List<Segment> loads,
    long headerEnd,
    List<Note> notes,
    List<long[]> noteRanges,
    List<Long> stackPointers,
    List<Long> threadPointers,
    List<long[]> auxv,
    List<long[]> fileRanges,
    List<String> warnings) {

  static final int EM_X86_64 = 62;
  static final int EM_AARCH64 = 183;
  static final int PT_LOAD = 1;
  static final int PT_NOTE = 4;
  static final int PF_W = 2;
  static final int NT_PRSTATUS = 1;
  static final int NT_AUXV = 6;
  static final int NT_FILE = 0x46494c45;
  private static final int PN_XNUM = 0xffff;
  private static final int MAX_PHNUM = 1 << 20;
  private static final long MAX_TABLE = 64L << 20;
  private static final long MAX_NOTES = 256L << 20;
  // A process with 20,000 threads writes about 120,000 notes, 4-5 MiB of records in the composer's
  // 16 MiB heap; a hostile segment of millions of empty notes would not fit.
  private static final int MAX_NOTE_COUNT = 1 << 17;
  // What the parser reads of one note: a prstatus, an auxv, or NT_FILE's ranges (not its paths).
  private static final int MAX_AUXV = 64 << 10;
  private static final int PRSTATUS_READ = 112 + 27 * 8;

  /** One PT_LOAD: file range {@code [offset, offset + fileSize)} at {@code vaddr}. */
  record Segment(int index, long offset, long fileSize, long vaddr, long memSize, int flags) {
    boolean writable() {
      return (flags & PF_W) != 0;
    }

    boolean containsAddress(long a) {
      return Long.compareUnsigned(a, vaddr) >= 0 && Long.compareUnsigned(a - vaddr, memSize) < 0;
    }
  }

  /** One note's payload: {@code type} and the file range of its descriptor. */
  record Note(int type, long descOffset, int descSize) {}

  /** Why a file cannot be scrubbed as a core. */
  static final class CorruptCoreException extends Exception {
    private static final long serialVersionUID = 1L;

    CorruptCoreException(String message) {
      super(message);
    }
  }

  static ElfCore read(CoreFile ch) throws IOException, CorruptCoreException {
    return read(ch, true);
  }

  /**
   * Reads the headers; NT_FILE's ranges only {@code withFiles} (the heap drop needs them, and a
   * process with a million mappings makes them tens of MiB).
   */
  static ElfCore read(CoreFile ch, boolean withFiles) throws IOException, CorruptCoreException {
    long size = ch.size();
    ByteBuffer eh = readAt(ch, 0, (int) Math.min(64, size));
    if (eh.limit() < 64) {
      throw new CorruptCoreException("shorter than an ELF header (" + size + " bytes)");
    }
    if (eh.getInt(0) != 0x464c457f) {
      throw new CorruptCoreException("not an ELF file");
    }
    if (eh.get(4) != 2 || eh.get(5) != 1) {
      throw new CorruptCoreException("not a 64-bit little-endian ELF file (the only kind read)");
    }
    if (Short.toUnsignedInt(eh.getShort(16)) != 4) {
      throw new CorruptCoreException("not a core (e_type " + eh.getShort(16) + ")");
    }
    int machine = Short.toUnsignedInt(eh.getShort(18));
    long phoff = eh.getLong(32);
    int phentsize = Short.toUnsignedInt(eh.getShort(54));
    long phnum = Short.toUnsignedInt(eh.getShort(56));
    if (phnum == PN_XNUM) {
      phnum = extendedPhnum(ch, eh.getLong(40), size);
    }
    if (phentsize < 56
        || phnum > MAX_PHNUM
        || phoff < 64
        || phoff > size
        || phnum * phentsize > Math.min(size - phoff, MAX_TABLE)) {
      throw new CorruptCoreException("program header table outside the file");
    }
    ByteBuffer ph = readAt(ch, phoff, (int) (phnum * phentsize));
    return new Reader(ch, size, machine, withFiles).read(ph, phentsize, phoff + phnum * phentsize);
  }

  // With more than 65534 segments, the count is in section header 0's sh_info.
  private static long extendedPhnum(CoreFile ch, long shoff, long size)
      throws IOException, CorruptCoreException {
    if (shoff < 64 || shoff > size - 64) {
      throw new CorruptCoreException("PN_XNUM without a section header");
    }
    return Integer.toUnsignedLong(readAt(ch, shoff, 64).getInt(44));
  }

  /**
   * {@code len} bytes of the crashed process's memory at {@code vaddr}, read through the PT_LOAD
   * that holds them; null when no segment of the file holds all of them.
   */
  @Nullable ByteBuffer memory(CoreFile ch, long vaddr, int len) throws IOException {
    if (len < 0) {
      return null;
    }
    for (Segment s : loads) {
      long rel = vaddr - s.vaddr();
      if (Long.compareUnsigned(vaddr, s.vaddr()) >= 0
          && Long.compareUnsigned(rel, s.fileSize()) < 0
          && len <= s.fileSize() - rel) {
        ByteBuffer b = readAt(ch, s.offset() + rel, len);
        return b.remaining() == len ? b : null;
      }
    }
    return null;
  }

  static ByteBuffer readAt(CoreFile ch, long pos, int len) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (ch.read(b, pos + b.position()) < 0) {
        break;
      }
    }
    return b.flip();
  }

  /** Parses the table once the header is known good. */
  private static final class Reader {
    private final CoreFile ch;
    private final long size;
    private final int machine;
    private final List<Segment> loads = new ArrayList<>();
    private final List<Note> notes = new ArrayList<>();
    private final List<long[]> noteRanges = new ArrayList<>();
    private final List<Long> sps = new ArrayList<>();
    private final List<Long> tps = new ArrayList<>();
    private final List<long[]> auxv = new ArrayList<>();
    private final List<long[]> files = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private final boolean withFiles;

    Reader(CoreFile ch, long size, int machine, boolean withFiles) {
      this.ch = ch;
      this.size = size;
      this.machine = machine;
      this.withFiles = withFiles;
    }

    ElfCore read(ByteBuffer ph, int entsize, long headerEnd)
        throws IOException, CorruptCoreException {
      long noteBytes = 0;
      for (int i = 0; (long) i * entsize + 56 <= ph.limit(); i++) {
        int at = i * entsize;
        int type = ph.getInt(at);
        int flags = ph.getInt(at + 4);
        long offset = ph.getLong(at + 8);
        long vaddr = ph.getLong(at + 16);
        long filesz = ph.getLong(at + 32);
        long memsz = ph.getLong(at + 40);
        if ((type != PT_LOAD && type != PT_NOTE) || filesz == 0) {
          continue;
        }
        if (offset < 0 || filesz < 0 || offset >= size) {
          warnings.add("segment " + i + " lies outside the file");
          continue;
        }
        if (filesz > size - offset) {
          warnings.add("segment " + i + " is cut short by the end of the file");
          filesz = size - offset;
        }
        if (type == PT_LOAD) {
          loads.add(new Segment(i, offset, filesz, vaddr, memsz, flags));
        } else {
          noteBytes += filesz;
          if (noteBytes > MAX_NOTES) {
            throw new CorruptCoreException("notes larger than " + (MAX_NOTES >> 20) + " MiB");
          }
          noteRanges.add(new long[] {offset, offset + filesz});
          parseNotes(offset, offset + filesz);
        }
      }
      return new ElfCore(
          machine,
          List.copyOf(loads),
          headerEnd,
          List.copyOf(notes),
          List.copyOf(noteRanges),
          List.copyOf(sps),
          List.copyOf(tps),
          List.copyOf(auxv),
          List.copyOf(files),
          List.copyOf(warnings));
    }

    // Streams the notes of [from, to): each header is read on its own, and a descriptor only as far
    // as the parser needs it, so that a note of any size never sits whole in the heap.
    private void parseNotes(long from, long to) throws IOException, CorruptCoreException {
      long p = from;
      while (p + 12 <= to) {
        ByteBuffer h = readAt(ch, p, 12);
        if (h.remaining() < 12) {
          throw new CorruptCoreException("the notes at file offset " + p + " end early");
        }
        long namesz = Integer.toUnsignedLong(h.getInt(0));
        long descsz = Integer.toUnsignedLong(h.getInt(4));
        int type = h.getInt(8);
        long desc = p + 12 + align4(namesz);
        if (desc > to || descsz > to - desc) {
          throw new CorruptCoreException("a note at file offset " + p + " is malformed");
        }
        if (notes.size() >= MAX_NOTE_COUNT) {
          throw new CorruptCoreException("more than " + MAX_NOTE_COUNT + " notes");
        }
        notes.add(new Note(type, desc, (int) descsz));
        if (type == NT_PRSTATUS) {
          stackPointer(readAt(ch, desc, (int) Math.min(descsz, PRSTATUS_READ)));
        } else if (type == NT_FILE && withFiles) {
          fileRanges(desc, descsz);
        } else if (type == NT_AUXV) {
          ByteBuffer d = readAt(ch, desc, (int) Math.min(descsz, MAX_AUXV));
          for (int i = 0; i + 16 <= d.limit(); i += 16) {
            auxv.add(new long[] {d.getLong(i), d.getLong(i + 8)});
          }
        }
        p = Math.min(to, desc + align4(descsz));
      }
    }

    private static long align4(long v) {
      return (v + 3) & ~3L;
    }

    // elf_prstatus: 112 bytes of signal, pid and times, then pr_reg; x86_64's rsp is register 19
    // of user_regs_struct, aarch64's sp is register 31 of user_pt_regs.
    // fs_base, register 21 on x86_64, is the thread pointer: its TCB and static TLS.
    private void stackPointer(ByteBuffer d) {
      int at = machine == EM_X86_64 ? 112 + 19 * 8 : machine == EM_AARCH64 ? 112 + 31 * 8 : -1;
      if (at >= 0 && at + 8 <= d.limit()) {
        sps.add(d.getLong(at));
      }
      int fs = 112 + 21 * 8;
      if (machine == EM_X86_64 && fs + 8 <= d.limit()) {
        tps.add(d.getLong(fs));
      }
    }

    // NT_FILE: count, page size, count x (start, end, page offset), then the paths (not read).
    private void fileRanges(long desc, long descsz) throws IOException {
      if (descsz < 16) {
        return;
      }
      long count = readAt(ch, desc, 8).getLong(0);
      if (count < 0 || count > (descsz - 16) / 24 || count > MAX_PHNUM) {
        warnings.add("NT_FILE lists more mappings than it holds");
        return;
      }
      ByteBuffer d = readAt(ch, desc + 16, (int) count * 24);
      for (int i = 0; i + 24 <= d.limit(); i += 24) {
        files.add(new long[] {d.getLong(i), d.getLong(i + 8)});
      }
    }
  }
}
