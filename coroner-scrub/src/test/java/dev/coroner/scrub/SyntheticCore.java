package dev.coroner.scrub;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds small ELF64 x86_64 cores for tests: PT_NOTE first, then PT_LOADs, page-aligned. */
final class SyntheticCore {
  static final int PAGE = 4096;

  record Load(long vaddr, int flags, byte[] data) {}

  private final List<Load> loads = new ArrayList<>();
  private final List<long[]> files = new ArrayList<>();
  private final List<Long> sps = new ArrayList<>();
  private final List<byte[]> extraNotes = new ArrayList<>();
  private String psargs = "app --flag";
  private byte[] fpregs;
  private long[] gprs;

  SyntheticCore load(long vaddr, int flags, byte[] data) {
    loads.add(new Load(vaddr, flags, data));
    return this;
  }

  /** A writable anonymous segment. */
  SyntheticCore rw(long vaddr, byte[] data) {
    return load(vaddr, 6, data);
  }

  SyntheticCore file(long start, long end) {
    files.add(new long[] {start, end});
    return this;
  }

  SyntheticCore thread(long sp) {
    sps.add(sp);
    return this;
  }

  /** The NT_FPREGSET payload (512 bytes of FXSAVE area on x86_64). */
  SyntheticCore fpregs(byte[] area) {
    fpregs = area;
    return this;
  }

  /** The general registers of the threads' NT_PRSTATUS, rsp aside. */
  SyntheticCore gprs(long... regs) {
    gprs = regs;
    return this;
  }

  /** One more note, of a type no parser knows, after the usual ones. */
  SyntheticCore note(byte[] desc) {
    extraNotes.add(desc);
    return this;
  }

  SyntheticCore psargs(String args) {
    psargs = args;
    return this;
  }

  byte[] build() {
    byte[] notes = notes();
    int phnum = 1 + loads.size();
    long phoff = 64;
    long notesAt = phoff + 56L * phnum;
    long dataAt = align(notesAt + notes.length);
    ByteBuffer h = ByteBuffer.allocate((int) dataAt).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(0x464c457f).put((byte) 2).put((byte) 1).put((byte) 1);
    h.position(16);
    h.putShort((short) 4).putShort((short) ElfCore.EM_X86_64).putInt(1);
    h.putLong(0).putLong(phoff).putLong(0).putInt(0);
    h.putShort((short) 64).putShort((short) 56).putShort((short) phnum);
    h.position((int) phoff);
    phdr(h, 4, 4, notesAt, 0, notes.length);
    long at = dataAt;
    for (Load l : loads) {
      phdr(h, 1, l.flags(), at, l.vaddr(), l.data().length);
      at = align(at + l.data().length);
    }
    h.position((int) notesAt);
    h.put(notes);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(h.array(), 0, h.capacity());
    for (Load l : loads) {
      out.write(l.data(), 0, l.data().length);
      int pad = (int) (align(l.data().length) - l.data().length);
      out.write(new byte[pad], 0, pad);
    }
    return out.toByteArray();
  }

  private static void phdr(ByteBuffer h, int type, int flags, long off, long vaddr, long size) {
    h.putInt(type).putInt(flags).putLong(off).putLong(vaddr).putLong(0);
    h.putLong(size).putLong(size).putLong(type == 1 ? PAGE : 4);
  }

  private static long align(long v) {
    return (v + PAGE - 1) / PAGE * PAGE;
  }

  private byte[] notes() {
    ByteArrayOutputStream n = new ByteArrayOutputStream();
    for (long sp : sps) {
      ByteBuffer d = ByteBuffer.allocate(336).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; gprs != null && i < gprs.length; i++) {
        d.putLong(112 + i * 8, gprs[i]);
      }
      d.putLong(112 + 19 * 8, sp);
      note(n, 1, d.array());
      if (fpregs != null) {
        note(n, 2, fpregs);
      }
    }
    ByteBuffer ps = ByteBuffer.allocate(136).order(ByteOrder.LITTLE_ENDIAN);
    byte[] fname = "app".getBytes(StandardCharsets.US_ASCII);
    ps.position(40);
    ps.put(fname);
    ps.position(56);
    byte[] args = psargs.getBytes(StandardCharsets.UTF_8);
    ps.put(args, 0, Math.min(args.length, 79));
    note(n, 3, ps.array());
    ByteBuffer f = ByteBuffer.allocate(16 + 24 * files.size() + 16 * files.size());
    f.order(ByteOrder.LITTLE_ENDIAN).putLong(files.size()).putLong(PAGE);
    for (long[] r : files) {
      f.putLong(r[0]).putLong(r[1]).putLong(0);
    }
    for (int i = 0; i < files.size(); i++) {
      f.put(("/lib/x" + i + ".so").getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
    }
    note(n, ElfCore.NT_FILE, java.util.Arrays.copyOf(f.array(), f.position()));
    for (byte[] desc : extraNotes) {
      note(n, 0x434f524f, desc);
    }
    return n.toByteArray();
  }

  private static void note(ByteArrayOutputStream n, int type, byte[] desc) {
    ByteBuffer b = ByteBuffer.allocate(12 + 8 + ((desc.length + 3) & ~3));
    b.order(ByteOrder.LITTLE_ENDIAN).putInt(5).putInt(desc.length).putInt(type);
    b.put("CORE\0\0\0\0".getBytes(StandardCharsets.US_ASCII)).put(desc);
    n.write(b.array(), 0, b.capacity());
  }
}
