package dev.coroner.base.files;

import dev.coroner.base.threads.DaemonThreads;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Bytes handed to a thread of their own, in order: a file's writes (a dump being captured or
 * scrubbed), or a digest ({@link DigestBehind}). Bytes are copied into one of a few buffers of
 * {@link #BUFFER} bytes, and the thread gives each full buffer to its {@link Sink}. The thread that
 * compresses the core then never waits for the page cache: on this kind of machine the kernel's
 * copy into the page cache costs about as much CPU as zstd level 3 itself, and the two now overlap
 * instead of adding up.
 *
 * <p>{@link #flush()} returns once the sink has had everything handed over; a failure of the sink
 * is thrown by the next call. {@link #close()} flushes and stops the thread; it does not close the
 * file, whose owner fsyncs and closes it. An interrupt of the caller never loses bytes: it is kept
 * for later, and the bytes go on. Nothing interrupts the thread, so an interruptible channel is
 * never closed under the dump by an interrupt.
 */
public final class WriteBehind extends OutputStream {
  /** The size of one buffer. */
  public static final int BUFFER = 1 << 20;

  /** Buffers in flight: one being filled, the others queued or with the sink. */
  public static final int BUFFERS = 3;

  /** Where the buffers go, in order, on the thread. */
  @FunctionalInterface
  public interface Sink {
    /** Takes the first {@code length} bytes of {@code data}; the buffer is reused afterwards. */
    void accept(byte[] data, int length) throws IOException;
  }

  private static final byte[] END = new byte[0];

  private final Sink sink;
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
  private final BlockingQueue<Filled> full = new ArrayBlockingQueue<>(BUFFERS + 1);
  private final Thread thread;
  private final Object lock = new Object();
  private int queued; // handed to the thread, not yet written; guarded by lock
  private volatile @Nullable IOException failure;
  private byte @Nullable [] current;
  private int length;
  private boolean closed;

  /** A buffer handed to the thread, with how much of it holds data. */
  // Never compared or hashed: the array is the buffer itself, passed along.
  @SuppressWarnings("ArrayRecordComponent")
  private record Filled(byte[] data, int length) {}

  /** Starts the thread that writes to {@code channel}, at its position. */
  public WriteBehind(FileChannel channel) {
    this(
        "coroner-file-writer",
        (data, length) -> {
          ByteBuffer b = ByteBuffer.wrap(data, 0, length);
          while (b.hasRemaining()) {
            channel.write(b);
          }
        });
  }

  /** Starts the thread {@code name} that hands the bytes to {@code sink}. */
  public WriteBehind(String name, Sink sink) {
    this.sink = sink;
    for (int i = 0; i < BUFFERS; i++) {
      free.add(new byte[BUFFER]);
    }
    thread = DaemonThreads.start(name, this::run);
  }

  @Override
  public void write(int b) throws IOException {
    byte[] one = {(byte) b};
    write(one, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    check();
    while (len > 0) {
      byte[] buf = current;
      if (buf == null) {
        buf = take();
        current = buf;
        length = 0;
      }
      int n = Math.min(len, BUFFER - length);
      System.arraycopy(b, off, buf, length, n);
      length += n;
      off += n;
      len -= n;
      if (length == BUFFER) {
        handOver();
      }
    }
  }

  /** Waits until the sink has had every byte written so far. */
  @Override
  public void flush() throws IOException {
    check();
    if (current != null && length > 0) {
      handOver();
    }
    boolean interrupted = false;
    synchronized (lock) {
      while (queued > 0) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          // The dump is finished whatever interrupted us (the capture's watchdog is for the read).
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    check();
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      flush();
    } finally {
      put(new Filled(END, 0));
      boolean interrupted = false;
      while (true) {
        try {
          thread.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void handOver() {
    byte[] buf = Objects.requireNonNull(current, "a buffer is being filled");
    synchronized (lock) {
      queued++;
    }
    put(new Filled(buf, length));
    current = null;
    length = 0;
  }

  /** A free buffer; gives up only when the thread ended on a failure and none comes back. */
  private byte[] take() throws IOException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          byte[] b = free.poll(100, TimeUnit.MILLISECONDS);
          if (b != null) {
            return b;
          }
          check();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void check() throws IOException {
    IOException f = failure;
    if (f != null) {
      throw new IOException("cannot write the dump file: " + f.getMessage(), f);
    }
    if (closed && !thread.isAlive()) {
      throw new IOException("the dump file's writer is closed");
    }
  }

  private void run() {
    try {
      for (Filled f = full.take(); f.data() != END; f = full.take()) {
        if (failure == null) {
          try {
            sink.accept(f.data(), f.length());
          } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
          }
        }
        free.put(f.data());
        synchronized (lock) {
          queued--;
          lock.notifyAll();
        }
      }
    } catch (InterruptedException e) {
      // nobody interrupts this thread; end quietly if it happens
      failure = new InterruptedIOException("the dump file's writer was interrupted");
      synchronized (lock) {
        queued = 0;
        lock.notifyAll();
      }
    }
  }

  // The queue holds at most BUFFERS + 1 entries, so this never waits for long.
  private void put(Filled f) {
    boolean interrupted = false;
    while (true) {
      try {
        full.put(f);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
