package dev.coroner.receiver.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Who crashed and how, from the head of an x86_64 ELF core: the ELF header, the program headers and
 * the first PT_NOTE, which the kernel writes before any memory. On 6.18 this is the only source of
 * the signal before the task exits. The notes are found by type, not by position: the kernel writes
 * NT_PRSTATUS (dumping thread), NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE, but gdb's gcore puts
 * NT_PRPSINFO first. Hostile or truncated input never throws: what cannot be read is empty.
 *
 * @param signal the signal that dumped: NT_SIGINFO si_signo, else NT_PRSTATUS pr_cursig
 * @param signalCode NT_SIGINFO si_code (e.g. 1 SEGV_MAPERR, -6 SI_TKILL)
 * @param faultAddress NT_SIGINFO si_addr, for SIGILL, SIGFPE, SIGSEGV, SIGBUS and SIGTRAP
 * @param tid the dumping thread's id, in the task's own pid namespace (first NT_PRSTATUS pr_pid)
 * @param command NT_PRPSINFO pr_fname: the group leader's comm (15 bytes at most)
 * @param arguments NT_PRPSINFO pr_psargs: the command line, cut at 80 bytes
 * @param announcedSize the core's size according to its headers (end of the last segment or of the
 *     section headers), when all program headers are in the head
 */
public record CoreNotes(
    OptionalInt signal,
    OptionalInt signalCode,
    OptionalLong faultAddress,
    OptionalInt tid,
    Optional<String> command,
    Optional<String> arguments,
    OptionalLong announcedSize) {

  /** Nothing known. */
  public static final CoreNotes UNKNOWN =
      new CoreNotes(
          OptionalInt.empty(),
          OptionalInt.empty(),
          OptionalLong.empty(),
          OptionalInt.empty(),
          Optional.empty(),
          Optional.empty(),
          OptionalLong.empty());

  static final int EHDR_SIZE = 64;
  static final int PHDR_SIZE = 56;
  static final int ET_CORE = 4;
  static final int EM_X86_64 = 62;
  static final int PT_NOTE = 4;
  static final int PN_XNUM = 0xffff;
  static final int NT_PRSTATUS = 1;
  static final int NT_PRPSINFO = 3;
  static final int NT_SIGINFO = 0x53494749;

  /** Parses the first {@code length} bytes of {@code head}. */
  public static CoreNotes parse(byte[] head, int length) {
    int n = Math.max(0, Math.min(length, head.length));
    return parse(ByteBuffer.wrap(head, 0, n).slice());
  }

  /** Parses {@code head} from its position to its limit; the buffer is not changed. */
  public static CoreNotes parse(ByteBuffer head) {
    ByteBuffer b = head.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (!isX86_64Core(b)) {
      return UNKNOWN;
    }
    long phoff = b.getLong(32);
    int phentsize = Short.toUnsignedInt(b.getShort(54));
    int phnum = Short.toUnsignedInt(b.getShort(56));
    if (phentsize != PHDR_SIZE || phoff < EHDR_SIZE || phoff > b.limit()) {
      return UNKNOWN;
    }
    // With PN_XNUM the real count sits in a section header at the end of the file; scan what
    // the head holds (the kernel writes the note segment's header first).
    long available = (b.limit() - phoff) / PHDR_SIZE;
    boolean allHeaders = phnum != PN_XNUM && phnum <= available;
    long count = phnum == PN_XNUM ? available : Math.min(phnum, available);
    Notes notes = new Notes();
    long end = 0;
    boolean noteSeen = false;
    for (int i = 0; i < count; i++) {
      int ph = (int) (phoff + (long) i * PHDR_SIZE);
      long offset = b.getLong(ph + 8);
      long filesz = b.getLong(ph + 32);
      if (offset < 0 || filesz < 0 || offset > Long.MAX_VALUE - filesz) {
        allHeaders = false; // garbage: no trustworthy size
        continue;
      }
      end = Math.max(end, offset + filesz);
      if (!noteSeen && b.getInt(ph) == PT_NOTE) {
        noteSeen = true;
        notes.scan(b, offset, filesz);
      }
    }
    OptionalLong size = OptionalLong.empty();
    if (allHeaders) {
      size = OptionalLong.of(Math.max(end, sectionHeadersEnd(b)));
    }
    return notes.toCoreNotes(size);
  }

  private static boolean isX86_64Core(ByteBuffer b) {
    return b.limit() >= EHDR_SIZE
        && b.getInt(0) == 0x464c457f // \x7fELF read little-endian
        && b.get(4) == 2 // ELFCLASS64
        && b.get(5) == 1 // ELFDATA2LSB
        && b.getShort(16) == ET_CORE
        && b.getShort(18) == EM_X86_64;
  }

  private static long sectionHeadersEnd(ByteBuffer b) {
    long shoff = b.getLong(40);
    int shentsize = Short.toUnsignedInt(b.getShort(58));
    int shnum = Short.toUnsignedInt(b.getShort(60));
    if (shoff <= 0 || shoff > Long.MAX_VALUE / 2) {
      return 0;
    }
    // shnum 0 with sections present means "count in section 0"; the kernel writes exactly one.
    return shoff + (long) Math.max(shnum, 1) * shentsize;
  }

  /** A signal's name, e.g. {@code SIGSEGV}, or {@code "signal 42"}. */
  public static String signalName(int signal) {
    return switch (signal) {
      case 3 -> "SIGQUIT";
      case 4 -> "SIGILL";
      case 5 -> "SIGTRAP";
      case 6 -> "SIGABRT";
      case 7 -> "SIGBUS";
      case 8 -> "SIGFPE";
      case 11 -> "SIGSEGV";
      case 24 -> "SIGXCPU";
      case 25 -> "SIGXFSZ";
      case 31 -> "SIGSYS";
      default -> "signal " + signal;
    };
  }

  /** The notes found so far while walking the note segment. */
  private static final class Notes {
    OptionalInt cursig = OptionalInt.empty();
    OptionalInt tid = OptionalInt.empty();
    OptionalInt signo = OptionalInt.empty();
    OptionalInt code = OptionalInt.empty();
    OptionalLong addr = OptionalLong.empty();
    Optional<String> fname = Optional.empty();
    Optional<String> psargs = Optional.empty();
    boolean prstatus;
    boolean prpsinfo;
    boolean siginfo;

    void scan(ByteBuffer b, long offset, long size) {
      long end = Math.min(b.limit(), offset + size);
      long pos = offset;
      while (pos + 12 <= end && !(prstatus && prpsinfo && siginfo)) {
        long namesz = Integer.toUnsignedLong(b.getInt((int) pos));
        long descsz = Integer.toUnsignedLong(b.getInt((int) pos + 4));
        int type = b.getInt((int) pos + 8);
        long name = pos + 12;
        long desc = name + align4(namesz);
        if (desc + descsz > end) {
          return; // cut off by the head's end, or lying about its size
        }
        if (isCore(b, name, namesz)) {
          note(b, type, (int) desc, (int) descsz);
        }
        pos = desc + align4(descsz);
      }
    }

    private static boolean isCore(ByteBuffer b, long name, long namesz) {
      return namesz == 5
          && b.get((int) name) == 'C'
          && b.get((int) name + 1) == 'O'
          && b.get((int) name + 2) == 'R'
          && b.get((int) name + 3) == 'E'
          && b.get((int) name + 4) == 0;
    }

    private void note(ByteBuffer b, int type, int desc, int size) {
      if (type == NT_PRSTATUS && !prstatus && size >= 36) {
        // struct elf_prstatus: pr_info (12), short pr_cursig @12, sigpend, sighold, pr_pid @32
        prstatus = true;
        cursig = positive(Short.toUnsignedInt(b.getShort(desc + 12)));
        tid = positive(b.getInt(desc + 32));
      } else if (type == NT_PRPSINFO && !prpsinfo && size >= 136) {
        // struct elf_prpsinfo (x86_64): pr_fname[16] @40, pr_psargs[80] @56
        prpsinfo = true;
        fname = cString(b, desc + 40, 16);
        psargs = cString(b, desc + 56, 80).map(String::stripTrailing);
      } else if (type == NT_SIGINFO && !siginfo && size >= 12) {
        // siginfo_t: si_signo @0, si_errno @4, si_code @8, si_addr @16 for fault signals
        siginfo = true;
        signo = positive(b.getInt(desc));
        code = OptionalInt.of(b.getInt(desc + 8));
        int sig = b.getInt(desc);
        boolean fault = sig == 4 || sig == 5 || sig == 7 || sig == 8 || sig == 11;
        if (fault && size >= 24) {
          addr = OptionalLong.of(b.getLong(desc + 16));
        }
      }
    }

    CoreNotes toCoreNotes(OptionalLong size) {
      OptionalInt signal = signo.isPresent() ? signo : cursig;
      return new CoreNotes(signal, code, addr, tid, fname, psargs, size);
    }

    private static long align4(long n) {
      return (n + 3) & ~3L;
    }

    private static OptionalInt positive(int v) {
      return v > 0 ? OptionalInt.of(v) : OptionalInt.empty();
    }

    private static Optional<String> cString(ByteBuffer b, int at, int max) {
      int len = 0;
      while (len < max && b.get(at + len) != 0) {
        len++;
      }
      if (len == 0) {
        return Optional.empty();
      }
      byte[] bytes = new byte[len];
      b.get(at, bytes);
      return Optional.of(new String(bytes, StandardCharsets.UTF_8));
    }
  }
}
