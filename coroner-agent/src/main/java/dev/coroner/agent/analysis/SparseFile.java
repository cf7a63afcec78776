package dev.coroner.agent.analysis;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file with holes where its content is zero, in blocks of 64 KiB: a core is mostly the
 * process's untouched memory, and the raw core extracted for the debuggers then takes on disk what
 * its non-zero pages take, not its whole size.
 */
final class SparseFile extends OutputStream {
  private static final int BLOCK = 64 << 10;

  private final FileChannel ch;
  private final byte[] block = new byte[BLOCK];
  private int filled;
  private long position;

  private SparseFile(FileChannel ch) {
    this.ch = ch;
  }

  /** A new file at {@code path} (0600); it must not exist. */
  static SparseFile create(Path path) throws IOException {
    return new SparseFile(
        FileChannel.open(
            path,
            java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))));
  }

  @Override
  public void write(int b) throws IOException {
    block[filled++] = (byte) b;
    if (filled == BLOCK) {
      flushBlock();
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = Math.min(len, BLOCK - filled);
      System.arraycopy(b, off, block, filled, n);
      filled += n;
      off += n;
      len -= n;
      if (filled == BLOCK) {
        flushBlock();
      }
    }
  }

  private void flushBlock() throws IOException {
    if (!zero(block, filled)) {
      ByteBuffer buf = ByteBuffer.wrap(block, 0, filled);
      while (buf.hasRemaining()) {
        ch.write(buf, position + buf.position());
      }
    }
    position += filled;
    filled = 0;
  }

  private static boolean zero(byte[] b, int length) {
    for (int i = 0; i < length; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() throws IOException {
    try {
      flushBlock();
      // A trailing hole: the file still has its full length.
      if (ch.size() < position) {
        ch.write(ByteBuffer.wrap(new byte[1]), position - 1);
      }
    } finally {
      ch.close();
    }
  }
}
