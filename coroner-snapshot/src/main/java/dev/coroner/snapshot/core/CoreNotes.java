package dev.coroner.snapshot.core;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The PT_NOTE segment of the core, in the kernel's order (fs/binfmt_elf.c {@code write_note_info}):
 * the first thread's NT_PRSTATUS, then NT_PRPSINFO, NT_AUXV and NT_FILE, then its NT_PRFPREG and
 * NT_X86_XSTATE; then each other thread's NT_PRSTATUS, NT_PRFPREG and NT_X86_XSTATE. Layouts are
 * x86_64's {@code elf_prstatus} (336 bytes) and {@code elf_prpsinfo} (136 bytes).
 */
public final class CoreNotes {
  static final int NT_PRSTATUS = 1;
  static final int NT_PRFPREG = 2;
  static final int NT_PRPSINFO = 3;
  static final int NT_AUXV = 6;
  static final int NT_FILE = 0x46494c45;
  static final int NT_X86_XSTATE = 0x202;
  static final int PRSTATUS_SIZE = 336;
  static final int PRPSINFO_SIZE = 136;
  private static final long TICKS_PER_SECOND = 100;

  private CoreNotes() {}

  /** One thread and what the core says about it. */
  // Named as CoreNotes.Thread wherever it is used outside this class.
  @SuppressWarnings("JavaLangClash")
  public record Thread(ThreadRegisters registers, ThreadInfo info) {}

  /**
   * All notes. {@code threads} starts with the thread debuggers select first (the main thread);
   * {@code files} are the file-backed mappings for NT_FILE.
   */
  public static byte[] build(
      List<Thread> threads, ProcessInfo process, byte[] auxv, List<Mapping> files) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean first = true;
    for (Thread t : threads) {
      note(out, "CORE", NT_PRSTATUS, prstatus(t));
      if (first) {
        note(out, "CORE", NT_PRPSINFO, prpsinfo(process));
        if (auxv != null && auxv.length > 0) {
          note(out, "CORE", NT_AUXV, auxv);
        }
        note(out, "CORE", NT_FILE, fileNote(files));
        first = false;
      }
      if (t.registers().fp() != null) {
        note(out, "CORE", NT_PRFPREG, t.registers().fp());
      }
      if (t.registers().xstate() != null) {
        note(out, "LINUX", NT_X86_XSTATE, t.registers().xstate());
      }
    }
    return out.toByteArray();
  }

  static byte[] prstatus(Thread t) {
    ByteBuffer b = ByteBuffer.allocate(PRSTATUS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    ThreadInfo i = t.info();
    // pr_info and pr_cursig stay 0: no signal stopped this process.
    b.putLong(16, i.sigPending());
    b.putLong(24, i.sigBlocked());
    b.putInt(32, i.nsTid());
    b.putInt(36, i.ppid());
    b.putInt(40, i.pgrp());
    b.putInt(44, i.sid());
    timeval(b, 48, i.utimeTicks());
    timeval(b, 64, i.stimeTicks());
    byte[] regs = t.registers().general();
    b.put(112, regs, 0, Math.min(regs.length, ThreadRegisters.GENERAL_SIZE));
    b.putInt(328, t.registers().fp() != null ? 1 : 0);
    return b.array();
  }

  private static void timeval(ByteBuffer b, int at, long ticks) {
    b.putLong(at, ticks / TICKS_PER_SECOND);
    b.putLong(at + 8, ticks % TICKS_PER_SECOND * (1_000_000 / TICKS_PER_SECOND));
  }

  static byte[] prpsinfo(ProcessInfo p) {
    ByteBuffer b = ByteBuffer.allocate(PRPSINFO_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    int stateIndex = "RSDTZW".indexOf(p.state());
    b.put(0, (byte) (stateIndex < 0 ? 0 : stateIndex));
    b.put(1, (byte) p.state());
    b.put(2, (byte) (p.state() == 'Z' ? 1 : 0));
    b.put(3, (byte) p.nice());
    b.putLong(8, p.flags());
    b.putInt(16, p.uid());
    b.putInt(20, p.gid());
    b.putInt(24, p.nsPid());
    b.putInt(28, p.ppid());
    b.putInt(32, p.pgrp());
    b.putInt(36, p.sid());
    putString(b, 40, 16, p.comm());
    putString(b, 56, 80, p.psargs());
    return b.array();
  }

  private static void putString(ByteBuffer b, int at, int size, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    // Always NUL-terminated, as the kernel's strscpy leaves it.
    b.put(at, bytes, 0, Math.min(bytes.length, size - 1));
  }

  /** NT_FILE: count, page size, (start, end, offset in pages) per mapping, then the names. */
  static byte[] fileNote(List<Mapping> files) {
    ByteBuffer head = ByteBuffer.allocate(16 + 24 * files.size()).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(files.size()).putLong(ProcessMemory.PAGE);
    ByteArrayOutputStream names = new ByteArrayOutputStream();
    for (Mapping m : files) {
      head.putLong(m.start()).putLong(m.end()).putLong(m.offset() / ProcessMemory.PAGE);
      byte[] name = m.path().getBytes(StandardCharsets.UTF_8);
      names.write(name, 0, name.length);
      names.write(0);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(head.array(), 0, head.capacity());
    byte[] n = names.toByteArray();
    out.write(n, 0, n.length);
    return out.toByteArray();
  }

  /** One ELF note: namesz, descsz, type, the name and the descriptor, each padded to 4 bytes. */
  static void note(ByteArrayOutputStream out, String name, int type, byte[] desc) {
    byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
    ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(n.length).putInt(desc.length).putInt(type);
    out.write(h.array(), 0, 12);
    out.write(n, 0, n.length);
    out.write(new byte[pad4(n.length)], 0, pad4(n.length));
    out.write(desc, 0, desc.length);
    out.write(new byte[pad4(desc.length)], 0, pad4(desc.length));
  }

  private static int pad4(int n) {
    return (4 - (n & 3)) & 3;
  }
}
