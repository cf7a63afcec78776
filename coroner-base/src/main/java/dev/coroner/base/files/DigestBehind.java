package dev.coroner.base.files;

import dev.coroner.base.threads.DaemonThreads;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * A digest computed on a thread of its own, in order, from copies of the bytes handed to it: the
 * caller's thread goes on compressing while the SHA-256 of the same bytes (about a CPU-second per
 * GiB) runs beside it. At most {@link #BUFFERS} buffers of {@link #BUFFER} bytes are in flight;
 * {@link #update} waits for one when all are taken. {@link #digest()} waits for the last bytes and
 * ends the thread. Not for use by several threads at once.
 */
public final class DigestBehind implements AutoCloseable {
  /** The size of one buffer. */
  public static final int BUFFER = 1 << 20;

  /** Buffers per digest: one being filled, the others queued or being hashed. */
  public static final int BUFFERS = 3;

  private final MessageDigest digest;
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
  private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(BUFFERS + 1);
  private final Thread thread;
  private byte[] current;
  private int length;
  private boolean ended;
  private volatile @Nullable RuntimeException failure;

  /** A buffer handed to the thread, and how much of it holds data; {@code END} ends the thread. */
  // Never compared or hashed: the array is the buffer itself, passed along.
  @SuppressWarnings("ArrayRecordComponent")
  private record Chunk(byte[] data, int length) {}

  private static final byte[] END = new byte[0];

  /** Starts the thread that updates {@code digest}. */
  public DigestBehind(MessageDigest digest) {
    this.digest = digest;
    for (int i = 0; i < BUFFERS - 1; i++) {
      free.add(new byte[BUFFER]);
    }
    current = new byte[BUFFER];
    thread = DaemonThreads.start("coroner-digest", this::run);
  }

  /** Adds {@code len} bytes of {@code b} from {@code off}; they are copied. */
  public void update(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    if (ended) {
      throw new IllegalStateException("the digest is already computed");
    }
    while (len > 0) {
      int n = Math.min(len, BUFFER - length);
      System.arraycopy(b, off, current, length, n);
      length += n;
      off += n;
      len -= n;
      if (length == BUFFER) {
        put(new Chunk(current, length));
        current = takeFree();
        length = 0;
      }
    }
  }

  /** The digest of every byte handed over; waits for the thread to finish them. */
  public byte[] digest() {
    if (!ended) {
      ended = true;
      if (length > 0) {
        put(new Chunk(current, length));
      }
      put(new Chunk(END, 0));
      join();
    }
    RuntimeException f = failure;
    if (f != null) {
      throw new IllegalStateException("the digest failed: " + f, f);
    }
    return digest.digest();
  }

  /** Ends the thread without a result (on a failure); {@link #digest()} after close is empty. */
  @Override
  public void close() {
    if (!ended) {
      ended = true;
      put(new Chunk(END, 0));
      join();
    }
  }

  private void run() {
    try {
      for (Chunk c = full.take(); c.data() != END; c = full.take()) {
        if (failure == null) {
          try {
            digest.update(c.data(), 0, c.length());
          } catch (RuntimeException e) {
            failure = e; // the buffers still go round, so that the caller never waits for good
          }
        }
        free.put(c.data());
      }
    } catch (InterruptedException e) {
      // nobody interrupts this thread
    }
  }

  // The queues never hold more than BUFFERS + 1 entries, so put and take only wait for the thread;
  // an interrupt of the caller is kept for later, the hash is finished either way.
  private void put(Chunk c) {
    boolean interrupted = false;
    while (true) {
      try {
        full.put(c);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private byte[] takeFree() {
    boolean interrupted = false;
    byte[] b;
    while (true) {
      try {
        b = free.take();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return b;
  }

  private void join() {
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
