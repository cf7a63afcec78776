package dev.coroner.receiver.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@code struct coredump_ack}, the server's answer: {@code size}, {@code spare} (0) and the mask.
 * The kernel answers {@link CoredumpMark#MINSIZE}, {@code MAXSIZE}, {@code UNSUPPORTED} or {@code
 * CONFLICTING} to an ack that breaks its rules, so {@link #answer} refuses to build one.
 *
 * @param size bytes sent: min(16, the request's size_ack); trailing bytes past 16 are zero
 * @param mask the chosen {@link CoredumpFlag} bits
 */
public record CoredumpAck(int size, long mask) {
  /** {@code COREDUMP_ACK_SIZE_VER0}. */
  public static final int SIZE_VER0 = 16;

  /**
   * The ack for {@code request} with one action and, optionally, WAIT.
   *
   * @throws ProtocolException {@code action} is WAIT, or the kernel did not offer the flags, or it
   *     reads acks shorter than 16 bytes
   */
  public static CoredumpAck answer(CoredumpRequest request, CoredumpFlag action, boolean wait)
      throws ProtocolException {
    if (!action.isAction()) {
      throw new ProtocolException("an ack needs KERNEL, USERSPACE or REJECT, not " + action);
    }
    Set<CoredumpFlag> flags = wait ? EnumSet.of(action, CoredumpFlag.WAIT) : EnumSet.of(action);
    if (!request.offered().containsAll(flags)) {
      throw new ProtocolException(
          "the kernel offers " + request.offered() + " and cannot be answered " + flags);
    }
    if (request.sizeAck() < SIZE_VER0) {
      throw new ProtocolException(
          "the kernel reads acks of at most "
              + request.sizeAck()
              + " bytes, fewer than the "
              + SIZE_VER0
              + " of the oldest ack");
    }
    return new CoredumpAck(Math.min(SIZE_VER0, request.sizeAck()), CoredumpFlag.mask(flags));
  }

  /** Decodes an ack (the kernel side, for tests and fakes). */
  public static CoredumpAck decode(ByteBuffer buf) throws ProtocolException {
    if (buf.remaining() < SIZE_VER0) {
      throw new ProtocolException("a coredump ack has at least " + SIZE_VER0 + " bytes");
    }
    ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int size = b.getInt();
    int spare = b.getInt();
    if (spare != 0) {
      throw new ProtocolException("a coredump ack's spare field must be 0, not " + spare);
    }
    return new CoredumpAck(size, b.getLong());
  }

  /** {@link #size} bytes, little-endian, spare and padding zero. */
  public ByteBuffer encode() {
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(size).putInt(0).putLong(mask);
    return b.clear();
  }

  /** The flags the ack carries. */
  public Set<CoredumpFlag> flags() {
    return CoredumpFlag.of(mask);
  }
}
