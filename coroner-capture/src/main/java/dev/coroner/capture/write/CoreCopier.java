package dev.coroner.capture.write;

import dev.coroner.base.files.WriteBehind;
import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.dump.DumpInfo.Integrity;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.dump.elf.ElfCoreHeader;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ReadableByteChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * Streams the core from the kernel's pipe or socket to the dump through a small pool of 1 MiB
 * buffers. The calling thread only reads; a hashing thread computes the SHA-256 of the raw bytes
 * (sequential, about a CPU-second per GiB) while a writer thread compresses and writes, each on the
 * same buffers in order. The dying process waits only for the reads, so hashing and compressing
 * overlap with them instead of adding up. The core is never held in memory: at most {@link #POOL}
 * buffers are in flight, and a buffer is reused once both the hash and the writer are done with it.
 */
public final class CoreCopier {
  private static final int BUFFER = 1 << 20;
  private static final int POOL = 4;

  /** Stops storing when free space would fall below the floor plus this reserve for the tail. */
  static final long RESERVE = 8L << 20;

  /**
   * What the copy saw: raw size, its hash, the start of the core, why it stopped early (null when
   * it read to the end) and whether the output failed (then the dump being written is unusable).
   */
  record Result(
      long size,
      String sha256,
      ElfCoreHeader header,
      @Nullable Integrity stop,
      boolean writeFailed) {}

  /**
   * Limits for one copy. {@code spaceProblem} is asked before every buffer with the margin still
   * needed (buffers in flight plus {@link #RESERVE}); it answers null, or why to stop storing.
   */
  record Limits(long maxCoreSize, java.util.function.LongFunction<Integrity> spaceProblem) {}

  /**
   * What may still be written after a space check: the buffers in flight here and in the file's
   * {@link WriteBehind}, and the reserve.
   */
  static final long MARGIN =
      (long) BUFFER * (POOL + 1) + WriteBehind.BUFFER * WriteBehind.BUFFERS + RESERVE;

  private static final class Chunk {
    final byte[] data;
    int length;

    /** The hash and the writer: the buffer goes back to the pool when both are done. */
    final java.util.concurrent.atomic.AtomicInteger users =
        new java.util.concurrent.atomic.AtomicInteger();

    Chunk(int size) {
      data = new byte[size];
    }
  }

  /** Hands a used buffer back once its last user is done. */
  private record Pool(BlockingQueue<Chunk> free) {
    void release(Chunk c) throws InterruptedException {
      if (c.users.decrementAndGet() == 0) {
        free.put(c);
      }
    }
  }

  private static final Chunk END = new Chunk(0);

  private CoreCopier() {}

  /**
   * Copies until end of input, a limit, a read or write failure or a watchdog interrupt (of the
   * calling thread); each early stop is reported in the result, never thrown.
   */
  static Result copy(ReadableByteChannel in, OutputStream out, Limits limits, MessageDigest sha) {
    BlockingQueue<Chunk> free = new ArrayBlockingQueue<>(POOL);
    BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(POOL + 1);
    BlockingQueue<Chunk> toHash = new ArrayBlockingQueue<>(POOL + 1);
    for (int i = 0; i < POOL; i++) {
      free.add(new Chunk(BUFFER));
    }
    Pool pool = new Pool(free);
    Writer writer = new Writer(full, pool, out);
    Thread thread = DaemonThreads.start("coroner-writer", writer);
    Hasher hasher = new Hasher(toHash, pool, sha);
    Thread hashing = DaemonThreads.start("coroner-hash", hasher);

    byte[] head = new byte[ElfCoreHeader.HEAD_BYTES];
    int headLength = 0;
    long size = 0;
    Integrity stop = null;
    try {
      while (writer.failure == null) {
        long allowed = limits.maxCoreSize() > 0 ? limits.maxCoreSize() - size : Long.MAX_VALUE;
        if (allowed <= 0) {
          stop =
              Integrity.truncated(
                  IntegrityCause.MAX_CORE_SIZE,
                  "the core exceeds limit.max-core-size=" + limits.maxCoreSize());
          break;
        }
        Integrity problem = limits.spaceProblem().apply(MARGIN);
        if (problem != null) {
          stop = problem;
          break;
        }
        Chunk chunk = free.take();
        ByteBuffer buf = ByteBuffer.wrap(chunk.data, 0, (int) Math.min(BUFFER, allowed));
        boolean eof = false;
        try {
          // A pipe read returns at most what the pipe holds (64 KiB); gather at least half a
          // chunk so the writer and the hash work on large blocks.
          do {
            if (in.read(buf) < 0) {
              eof = true;
            }
          } while (!eof && buf.hasRemaining() && buf.position() < BUFFER / 2);
        } catch (ClosedByInterruptException e) {
          stop = Integrity.truncated(IntegrityCause.TIMEOUT, null);
        } catch (InterruptedIOException e) {
          // A socket's deadline (the receiver's per-connection timeout) or its abort on close.
          stop = Integrity.truncated(IntegrityCause.TIMEOUT, e.getMessage());
        } catch (IOException e) {
          stop = Integrity.truncated(IntegrityCause.READ_ERROR, e.getMessage());
        }
        int n = buf.position();
        if (headLength < head.length) {
          int take = Math.min(n, head.length - headLength);
          System.arraycopy(chunk.data, 0, head, headLength, take);
          headLength += take;
        }
        size += n;
        chunk.length = n;
        chunk.users.set(2);
        toHash.put(chunk);
        full.put(chunk);
        if (eof || stop != null) {
          break;
        }
      }
    } catch (InterruptedException e) {
      stop = Integrity.truncated(IntegrityCause.TIMEOUT, null);
    }
    // The watchdog's interrupt must not stop the hand-over below.
    Thread.interrupted();
    finish(full, thread);
    finish(toHash, hashing);
    if (writer.failure != null) {
      stop = Integrity.truncated(IntegrityCause.WRITE_ERROR, writer.failure.getMessage());
    }
    return new Result(
        size,
        HexFormat.of().formatHex(sha.digest()),
        ElfCoreHeader.parse(head, headLength),
        stop,
        writer.failure != null);
  }

  private static void finish(BlockingQueue<Chunk> full, Thread thread) {
    boolean interrupted = false;
    while (true) {
      try {
        full.put(END);
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

  /** Hashes chunks in order. */
  private static final class Hasher implements Runnable {
    private final BlockingQueue<Chunk> chunks;
    private final Pool pool;
    private final MessageDigest sha;

    Hasher(BlockingQueue<Chunk> chunks, Pool pool, MessageDigest sha) {
      this.chunks = chunks;
      this.pool = pool;
      this.sha = sha;
    }

    @Override
    public void run() {
      try {
        for (Chunk c = chunks.take(); c != END; c = chunks.take()) {
          sha.update(c.data, 0, c.length);
          pool.release(c);
        }
      } catch (InterruptedException e) {
        // nobody interrupts this thread; end quietly if it happens
      }
    }
  }

  /** Compresses and writes chunks in order; after a failure it only recycles them. */
  private static final class Writer implements Runnable {
    private final BlockingQueue<Chunk> full;
    private final Pool pool;
    private final OutputStream out;
    volatile @Nullable IOException failure;

    Writer(BlockingQueue<Chunk> full, Pool pool, OutputStream out) {
      this.full = full;
      this.pool = pool;
      this.out = out;
    }

    @Override
    public void run() {
      try {
        for (Chunk c = full.take(); c != END; c = full.take()) {
          if (failure == null) {
            try {
              out.write(c.data, 0, c.length);
            } catch (IOException e) {
              failure = e;
            }
          }
          pool.release(c);
        }
      } catch (InterruptedException e) {
        // nobody interrupts this thread; end quietly if it happens
      }
    }
  }

  /** A new SHA-256 digest. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
