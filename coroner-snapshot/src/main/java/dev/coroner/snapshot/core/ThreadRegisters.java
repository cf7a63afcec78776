package dev.coroner.snapshot.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/**
 * One thread's registers as ptrace gave them while the thread was stopped: {@code user_regs_struct}
 * (NT_PRSTATUS, 27 words on x86_64), the FXSAVE area (NT_PRFPREG) and the XSAVE area
 * (NT_X86_XSTATE, null when the kernel has none).
 *
 * @param tid the thread's id on the host (where coroner runs)
 */
// A value never compared or hashed: the arrays are read as they are.
@SuppressWarnings("ArrayRecordComponent")
public record ThreadRegisters(
    int tid, byte[] general, byte @Nullable [] fp, byte @Nullable [] xstate) {
  /** {@code sizeof(struct user_regs_struct)} on x86_64. */
  public static final int GENERAL_SIZE = 27 * 8;

  public static final int RAX = 10;
  public static final int RDX = 12;
  public static final int RSI = 13;
  public static final int RDI = 14;
  public static final int ORIG_RAX = 15;
  public static final int RIP = 16;
  public static final int RSP = 19;
  public static final int R10 = 7;
  public static final int R8 = 9;

  /** Register {@code index} (a word of user_regs_struct) of {@code general}. */
  public static long get(byte[] general, int index) {
    return ByteBuffer.wrap(general).order(ByteOrder.LITTLE_ENDIAN).getLong(index * 8);
  }

  /** {@code general} with register {@code index} set to {@code value}, as a copy. */
  public static byte[] with(byte[] general, int index, long value) {
    byte[] copy = general.clone();
    ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putLong(index * 8, value);
    return copy;
  }

  /** The instruction pointer. */
  public long rip() {
    return get(general, RIP);
  }

  /** The stack pointer. */
  public long rsp() {
    return get(general, RSP);
  }
}
