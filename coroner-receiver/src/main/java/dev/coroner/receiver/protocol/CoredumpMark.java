package dev.coroner.receiver.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code enum coredump_mark}: the kernel's verdict on an ack, sent as 4 bytes (the uapi comment
 * says one byte, but the code sends {@code sizeof(enum coredump_mark)}, asserted to be a u32). Any
 * mark but REQACK means the kernel gave up: no core follows.
 */
public enum CoredumpMark {
  REQACK("the kernel accepted the ack"),
  MINSIZE("the ack was shorter than the kernel's minimum"),
  MAXSIZE("the ack was longer than the request's size_ack"),
  UNSUPPORTED("the ack had unknown bits or a non-zero spare field"),
  CONFLICTING("the ack had no action or more than one of KERNEL, USERSPACE and REJECT");

  /** The mark's size on the wire. */
  public static final int SIZE = 4;

  private final String meaning;

  CoredumpMark(String meaning) {
    this.meaning = meaning;
  }

  /** The mark's value on the wire. */
  // The kernel's values are the declaration order, from 0.
  @SuppressWarnings("EnumOrdinal")
  public int value() {
    return ordinal();
  }

  /** What the mark means, for the log. */
  public String meaning() {
    return meaning;
  }

  /** The mark in the next 4 bytes. */
  public static CoredumpMark decode(ByteBuffer buf) throws ProtocolException {
    if (buf.remaining() < SIZE) {
      throw new ProtocolException("a coredump mark has " + SIZE + " bytes");
    }
    int value = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (value < 0 || value >= values().length) {
      throw new ProtocolException("the kernel sent an unknown coredump mark " + value);
    }
    return values()[value];
  }

  /** The mark as the kernel reads it. */
  public ByteBuffer encode() {
    return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(value()).flip();
  }
}
