package dev.coroner.scrub;

/**
 * The {@link Rule#REGISTER_TEXT} rule: blanks registers in the notes that hold text. A 16-byte slot
 * of the floating-point and vector state (xmm, the upper halves of ymm, zmm, or aarch64's v
 * registers) made only of printable characters and NULs, with at least 8 printable, is a piece of a
 * string; so is an 8-byte general register made only of printable characters. Unwinding never reads
 * such values: instruction and stack pointers hold canonical addresses, whose high bytes are zero.
 */
final class Registers {
  static final int NT_PRSTATUS = 1;
  static final int NT_FPREGSET = 2;
  static final int NT_X86_XSTATE = 0x202;
  private static final int PR_REG = 112;

  private Registers() {}

  /** Blanks the text registers of a note's payload {@code b[0, len)}; returns how many. */
  static int blank(Window w, int machine, int type, int len) {
    if (type == NT_FPREGSET || type == NT_X86_XSTATE) {
      return slots(w, 0, len, 16);
    }
    if (type == NT_PRSTATUS) {
      int regs = machine == ElfCore.EM_X86_64 ? 27 : machine == ElfCore.EM_AARCH64 ? 34 : 0;
      return slots(w, PR_REG, Math.min(len, PR_REG + regs * 8), 8);
    }
    return 0;
  }

  private static int slots(Window w, int from, int to, int size) {
    int n = 0;
    for (int at = from; at + size <= to; at += size) {
      if (isText(w.b, at, size)) {
        for (int i = at; i < at + size; i++) {
          if (w.b[i] != 0 && w.b[i] != '\n' && w.b[i] != '\r') {
            w.blank(i, i + 1, 1);
          }
        }
        n++;
      }
    }
    return n;
  }

  private static boolean isText(byte[] b, int at, int size) {
    int printable = 0;
    for (int i = at; i < at + size; i++) {
      int c = b[i] & 0xff;
      if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t') {
        printable++;
      } else if (c != 0 || size == 8) {
        return false;
      }
    }
    return printable >= 8;
  }
}
