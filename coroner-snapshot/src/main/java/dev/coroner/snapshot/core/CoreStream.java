package dev.coroner.snapshot.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;

/**
 * The core of a {@link CoreImage} as a stream, its memory read from the process on demand, 1 MiB at
 * a time: the dump writer reads it as it reads the kernel's pipe, and the core is never held whole.
 * Anonymous mappings skip the pages pagemap says were never touched.
 */
public final class CoreStream implements ReadableByteChannel {
  private static final int CHUNK = 1 << 20;

  private final CoreImage image;
  private final ProcessMemory memory;
  private final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
  private ByteBuffer current;
  private int segment = -1;
  private long segmentDone;
  private boolean tailDone;
  private boolean open = true;

  public CoreStream(CoreImage image, ProcessMemory memory) {
    this.image = image;
    this.memory = memory;
    current = ByteBuffer.wrap(image.head());
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    int total = 0;
    while (dst.hasRemaining()) {
      if (!current.hasRemaining() && !refill()) {
        break;
      }
      int n = Math.min(current.remaining(), dst.remaining());
      dst.put(current.slice(current.position(), n));
      current.position(current.position() + n);
      total += n;
    }
    return total == 0 && !dst.hasRemaining() ? 0 : total == 0 ? -1 : total;
  }

  /** The next piece of a segment's memory, or the tail; false at the end. */
  private boolean refill() {
    var segments = image.segments();
    while (segment < segments.size()) {
      if (segment >= 0 && segmentDone < segments.get(segment).fileSize()) {
        CoreImage.Segment s = segments.get(segment);
        int n = (int) Math.min(CHUNK, s.fileSize() - segmentDone);
        chunk.clear().limit(n);
        memory.read(
            s.mapping().start() + segmentDone,
            chunk,
            s.mapping().anonymous(),
            !s.mapping().special());
        chunk.flip();
        current = chunk;
        segmentDone += n;
        return true;
      }
      segment++;
      segmentDone = 0;
    }
    if (!tailDone) {
      tailDone = true;
      if (image.tail().length > 0) {
        current = ByteBuffer.wrap(image.tail());
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    open = false;
  }
}
