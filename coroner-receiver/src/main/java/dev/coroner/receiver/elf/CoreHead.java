package dev.coroner.receiver.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * A channel that passes a core through and keeps a copy of its first bytes, so that the notes can
 * be read while the core goes elsewhere (a file, a compressor) without a second read.
 */
public final class CoreHead implements ReadableByteChannel {
  /** Enough for the headers and first notes of a process with a few thousand mappings. */
  public static final int DEFAULT_LIMIT = 256 * 1024;

  private final ReadableByteChannel in;
  private final byte[] head;
  private int kept;
  private long total;

  public CoreHead(ReadableByteChannel in, int limit) {
    this.in = in;
    this.head = new byte[limit];
  }

  public CoreHead(ReadableByteChannel in) {
    this(in, DEFAULT_LIMIT);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    int start = dst.position();
    int n = in.read(dst);
    if (n > 0) {
      total += n;
      int copy = Math.min(n, head.length - kept);
      if (copy > 0) {
        dst.duplicate().position(start).get(head, kept, copy);
        kept += copy;
      }
    }
    return n;
  }

  /** The bytes kept so far. */
  public byte[] bytes() {
    return Arrays.copyOf(head, kept);
  }

  /** The notes in the bytes kept so far. */
  public CoreNotes notes() {
    return CoreNotes.parse(head, kept);
  }

  /** The bytes passed through. */
  public long total() {
    return total;
  }

  @Override
  public boolean isOpen() {
    return in.isOpen();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
