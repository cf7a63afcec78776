package dev.coroner.store.s3;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** {@code length} bytes of a file from {@code offset}, as a stream: one multipart part. */
final class FileSlice extends InputStream {
  private final FileChannel channel;
  private long position;
  private final long end;

  private FileSlice(FileChannel channel, long offset, long length) {
    this.channel = channel;
    this.position = offset;
    this.end = offset + length;
  }

  /** A buffered stream over the slice; the SDK may open it again to retry a part. */
  static InputStream open(Path file, long offset, long length) {
    try {
      return new BufferedInputStream(
          new FileSlice(FileChannel.open(file, StandardOpenOption.READ), offset, length),
          256 << 10);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (position >= end) {
      return -1;
    }
    int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
    if (n < 0) {
      throw new IOException("the file shrank while uploading");
    }
    position += n;
    return n;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
