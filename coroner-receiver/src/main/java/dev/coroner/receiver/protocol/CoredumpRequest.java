package dev.coroner.receiver.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;

/**
 * {@code struct coredump_req}, the kernel's first message in {@code @@} mode: its own size, the
 * largest ack it reads, and the flags it offers. A newer kernel may send a longer struct; the
 * server reads all {@link #size} bytes (at most a page) and decodes the 16 it knows.
 *
 * @param size the request's size in bytes, as sent
 * @param sizeAck the largest {@code coredump_ack} the kernel accepts
 * @param mask the offered {@link CoredumpFlag} bits, unknown ones included
 */
public record CoredumpRequest(int size, int sizeAck, long mask) {
  /** {@code COREDUMP_REQ_SIZE_VER0}. */
  public static final int SIZE_VER0 = 16;

  /** The kernel never sends more than a page (selftest {@code read_coredump_req}). */
  public static final int MAX_SIZE = 4096;

  /** The request's size, from its first 4 bytes (peeked, so they stay in the socket). */
  public static int peekSize(ByteBuffer first4) throws ProtocolException {
    if (first4.remaining() < 4) {
      throw new ProtocolException("a coredump request starts with its 4-byte size");
    }
    int size = first4.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (size < SIZE_VER0 || size > MAX_SIZE) {
      throw new ProtocolException(
          "the kernel announced a coredump request of "
              + Integer.toUnsignedString(size)
              + " bytes; a request has "
              + SIZE_VER0
              + " to "
              + MAX_SIZE);
    }
    return size;
  }

  /** Decodes a whole request of {@link #peekSize} bytes; bytes past the known 16 are ignored. */
  public static CoredumpRequest decode(ByteBuffer whole) throws ProtocolException {
    int size = peekSize(whole);
    if (whole.remaining() < size) {
      throw new ProtocolException(
          "the coredump request announces " + size + " bytes but " + whole.remaining() + " came");
    }
    ByteBuffer b = whole.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    return new CoredumpRequest(b.getInt(), b.getInt(), b.getLong());
  }

  /** The request as the kernel sends it. */
  public ByteBuffer encode() {
    ByteBuffer b = ByteBuffer.allocate(SIZE_VER0).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(size).putInt(sizeAck).putLong(mask);
    return b.flip();
  }

  /** Whether the kernel offers {@code flag}. */
  public boolean offers(CoredumpFlag flag) {
    return (mask & flag.bit()) != 0;
  }

  /** The flags the kernel offers. */
  public Set<CoredumpFlag> offered() {
    return CoredumpFlag.of(mask);
  }
}
