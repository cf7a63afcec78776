package dev.coroner.scrub;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Positional access to a core's bytes: a file, or the head of a core that is still streaming in
 * ({@link CoreStream}), whose headers and notes are parsed and scrubbed in memory.
 */
interface CoreFile {
  /** The core's size: the file's, or what the streaming core's headers announce. */
  long size() throws IOException;

  /** Reads into {@code dst} from {@code position}; -1 at the end of what is there. */
  int read(ByteBuffer dst, long position) throws IOException;

  /** Writes all of {@code src} at {@code position}. */
  void write(ByteBuffer src, long position) throws IOException;

  static CoreFile of(FileChannel ch) {
    return new CoreFile() {
      @Override
      public long size() throws IOException {
        return ch.size();
      }

      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return ch.read(dst, position);
      }

      @Override
      public void write(ByteBuffer src, long position) throws IOException {
        int start = src.position();
        while (src.hasRemaining()) {
          ch.write(src, position + src.position() - start);
        }
      }
    };
  }

  /** The first {@code length} bytes of {@code b}, of a core of {@code size} bytes in all. */
  static CoreFile head(byte[] b, int length, long size) {
    return new CoreFile() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public int read(ByteBuffer dst, long position) {
        if (position >= length || position < 0) {
          return -1;
        }
        int n = (int) Math.min(dst.remaining(), length - position);
        dst.put(b, (int) position, n);
        return n;
      }

      @Override
      public void write(ByteBuffer src, long position) throws IOException {
        if (position < 0 || position + src.remaining() > length) {
          throw new IOException("a write outside the core's head");
        }
        src.get(b, (int) position, src.remaining());
      }
    };
  }
}
