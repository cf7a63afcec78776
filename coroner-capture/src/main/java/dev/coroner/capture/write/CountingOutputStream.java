package dev.coroner.capture.write;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the bytes that reach the dump file, for the max-use limit checked on another thread. */
public final class CountingOutputStream extends FilterOutputStream {
  private final AtomicLong count = new AtomicLong();

  CountingOutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    count.addAndGet(len);
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    count.incrementAndGet();
  }

  long count() {
    return count.get();
  }
}
