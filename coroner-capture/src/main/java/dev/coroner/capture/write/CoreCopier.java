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
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * Streams the core from the kernel's pipe or socket to the dump through a small pool of 1 MiB
 * buffers. The calling thread only reads; a hashing thread computes the SHA-256 of the raw bytes
 * (sequential, about a CPU-second per GiB) while a writer thread compresses and writes, each on the
 * same buffers in order. The dying process waits only for the reads, so hashing and compressing
 * overlap with them instead of adding up. The core is never held in memory: at most {@link #POOL}
 * buffers are in flight, and a buffer is reused once both the hash and the writer are done with it.
 *
 * <p>With a transform (the scrub while streaming, {@code StreamSeal}), a stage of its own runs the
 * raw bytes through it, and the hash and the writer work on what it passes on, in buffers of a
 * second pool: so the hash is that of the bytes stored.
 */
public final class CoreCopier {
  static final int BUFFER = 1 << 20;
  static final int POOL = 4;

  /** Stops storing when free space would fall below the floor plus this reserve for the tail. */
  static final long RESERVE = 8L << 20;

  /**
   * What the copy saw: raw size, its hash, the start of the core, why it stopped early (null when
   * it read to the end), whether the output failed (then the dump being written is unusable), and
   * how many of its bytes were read ahead: held back from the hash and the writer until the read
   * ended or the {@link ReadAhead} ran out (0 without one).
   */
  record Result(
      long size,
      String sha256,
      ElfCoreHeader header,
      @Nullable Integrity stop,
      boolean writeFailed,
      long readAhead) {}

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

  /** The same through a stage: its own buffers, and what its transform holds back (under two). */
  static final long MARGIN_STAGED = MARGIN + (long) BUFFER * (Stage.OWN + 2);

  static final class Chunk {
    final byte[] data;
    int length;

    /** The pool it goes back to. */
    @Nullable BlockingQueue<Chunk> home;

    /** The hash and the writer: the buffer goes back to the pool when both are done. */
    final java.util.concurrent.atomic.AtomicInteger users =
        new java.util.concurrent.atomic.AtomicInteger();

    Chunk(int size) {
      data = new byte[size];
    }
  }

  /** Hands a used buffer back to its pool once its last user is done. */
  private static void release(Chunk c) throws InterruptedException {
    if (c.users.decrementAndGet() == 0) {
      java.util.Objects.requireNonNull(c.home, "a pooled buffer").put(c);
    }
  }

  private static BlockingQueue<Chunk> pool(int buffers) {
    BlockingQueue<Chunk> free = new ArrayBlockingQueue<>(buffers);
    for (int i = 0; i < buffers; i++) {
      Chunk c = new Chunk(BUFFER);
      c.home = free;
      free.add(c);
    }
    return free;
  }

  /** A stage between the read and the rest: raw bytes in, the bytes to store out. */
  interface Transform {
    /** The stream to write the raw core into; what it writes to {@code sink} is stored. */
    OutputStream open(OutputStream sink);

    /**
     * Whether the opened stream now passes every byte on unchanged and holds none back (it declined
     * the core): then the stage hands the raw buffers on as they are.
     */
    boolean passing();
  }

  private static final Chunk END = new Chunk(0);

  private CoreCopier() {}

  /**
   * Copies until end of input, a limit, a read or write failure or a watchdog interrupt (of the
   * calling thread); each early stop is reported in the result, never thrown.
   */
  static Result copy(ReadableByteChannel in, OutputStream out, Limits limits, MessageDigest sha) {
    return copy(in, out, limits, sha, null, () -> {});
  }

  /**
   * As {@link #copy(ReadableByteChannel, OutputStream, Limits, MessageDigest)}, through a stage,
   * running {@code readEnd} on the calling thread as soon as the input is read (to its end or to an
   * early stop), before the hash and the writer are done: the place to release the process.
   *
   * <p>With a {@link ReadAhead}, the chunks read are held back from the hash and the writer while
   * buffers are free, so that they do not compete with the read for the CPU: a core that fits in
   * the read-ahead is read whole, released, and only then hashed and compressed. Once no buffer is
   * free, every chunk read is handed on at once, as without one.
   */
  static Result copy(
      ReadableByteChannel in,
      OutputStream out,
      Limits limits,
      MessageDigest sha,
      @Nullable Transform transform,
      Runnable readEnd) {
    BlockingQueue<Chunk> free = pool(POOL);
    ReadAhead ahead = ReadAhead.shared();
    ArrayDeque<Chunk> held = new ArrayDeque<>();
    boolean streaming = ahead.isOff();
    long margin = (transform == null ? MARGIN : MARGIN_STAGED) + ahead.bytes();
    // Unbounded: the buffers in flight bound them (the own pool, the read-ahead, the stage's).
    BlockingQueue<Chunk> full = new LinkedBlockingQueue<>();
    BlockingQueue<Chunk> toHash = new LinkedBlockingQueue<>();
    Writer writer = new Writer(full, out);
    Thread thread = DaemonThreads.start("coroner-writer", writer);
    Hasher hasher = new Hasher(toHash, sha);
    Thread hashing = DaemonThreads.start("coroner-hash", hasher);
    BlockingQueue<Chunk> toStage = new LinkedBlockingQueue<>();
    Stage stage = transform == null ? null : new Stage(toStage, transform, toHash, full);
    Thread staging = stage == null ? null : DaemonThreads.start("coroner-scrub", stage);

    byte[] head = new byte[ElfCoreHeader.HEAD_BYTES];
    int headLength = 0;
    long size = 0;
    long readAhead = 0;
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
        Integrity problem = limits.spaceProblem().apply(margin);
        if (problem != null) {
          stop = problem;
          break;
        }
        Chunk chunk = free.poll();
        if (chunk == null) {
          chunk = ahead.borrow();
        }
        if (chunk == null) {
          if (!streaming) {
            streaming = true; // the read-ahead is used up: from now on, hand on as it comes
            readAhead = size;
            handOn(held, toStage, toHash, full, staging != null);
          }
          chunk = free.take();
        }
        ByteBuffer buf = ByteBuffer.wrap(chunk.data, 0, (int) Math.min(BUFFER, allowed));
        boolean eof = false;
        try {
          // A pipe read returns at most what the pipe holds (64 KiB), a socket's what its buffer
          // holds; gather at least half a chunk so the writer and the hash work on large blocks,
          // and a whole one while it is held back (nobody waits for it, and the read-ahead
          // holds twice as much).
          int gather = streaming ? BUFFER / 2 : BUFFER;
          do {
            if (in.read(buf) < 0) {
              eof = true;
            }
          } while (!eof && buf.hasRemaining() && buf.position() < gather);
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
        held.add(chunk);
        if (streaming) {
          handOn(held, toStage, toHash, full, staging != null);
        }
        if (eof || stop != null) {
          break;
        }
      }
    } catch (InterruptedException e) {
      stop = Integrity.truncated(IntegrityCause.TIMEOUT, null);
    }
    if (!streaming) {
      readAhead = size; // all of it
    }
    readEnd.run();
    // The watchdog's interrupt must not stop the hand-over below.
    Thread.interrupted();
    handOn(held, toStage, toHash, full, staging != null);
    if (staging != null) {
      finish(toStage, staging); // passes on what the stage held back, before the others end
    }
    finish(toHash, hashing);
    finish(full, thread);
    IOException failure = writer.failure;
    if (failure == null && stage != null) {
      failure = stage.failure;
    }
    if (failure != null) {
      stop = Integrity.truncated(IntegrityCause.WRITE_ERROR, failure.getMessage());
    }
    return new Result(
        size,
        HexFormat.of().formatHex(sha.digest()),
        ElfCoreHeader.parse(head, headLength),
        stop,
        failure != null,
        readAhead);
  }

  /**
   * Hands the held chunks on, in order: to the stage, or to the hash and the writer. The queues are
   * unbounded (the buffers in flight bound them), so this never waits and an interrupt of the
   * reading thread cannot drop a chunk from the middle of the core.
   */
  private static void handOn(
      ArrayDeque<Chunk> held,
      BlockingQueue<Chunk> toStage,
      BlockingQueue<Chunk> toHash,
      BlockingQueue<Chunk> full,
      boolean staged) {
    for (Chunk c = held.poll(); c != null; c = held.poll()) {
      if (staged) {
        c.users.set(1);
        toStage.offer(c);
      } else {
        c.users.set(2);
        toHash.offer(c);
        full.offer(c);
      }
    }
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
    private final MessageDigest sha;

    Hasher(BlockingQueue<Chunk> chunks, MessageDigest sha) {
      this.chunks = chunks;
      this.sha = sha;
    }

    @Override
    public void run() {
      try {
        for (Chunk c = chunks.take(); c != END; c = chunks.take()) {
          sha.update(c.data, 0, c.length);
          release(c);
        }
      } catch (InterruptedException e) {
        // nobody interrupts this thread; end quietly if it happens
      }
    }
  }

  /** Compresses and writes chunks in order; after a failure it only recycles them. */
  private static final class Writer implements Runnable {
    private final BlockingQueue<Chunk> full;
    private final OutputStream out;
    volatile @Nullable IOException failure;

    Writer(BlockingQueue<Chunk> full, OutputStream out) {
      this.full = full;
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
          release(c);
        }
      } catch (InterruptedException e) {
        // nobody interrupts this thread; end quietly if it happens
      }
    }
  }

  /**
   * Runs the raw chunks through the transform, in order, and hands what it passes on to the hash
   * and the writer in buffers of its own pool. After a failure (a bug in the transform: it never
   * fails for the core's content) it only recycles, and the dump is not stored.
   */
  private static final class Stage implements Runnable {
    private static final int OWN = 2;

    private final BlockingQueue<Chunk> chunks;
    private final Transform transform;
    private final BlockingQueue<Chunk> toHash;
    private final BlockingQueue<Chunk> full;
    // Its own buffers, made when first needed: a declined core needs one, for its head.
    private final BlockingQueue<Chunk> free = new ArrayBlockingQueue<>(OWN);
    private int made;
    volatile @Nullable IOException failure;
    private @Nullable Chunk pending;
    private boolean bypass;

    Stage(
        BlockingQueue<Chunk> chunks,
        Transform transform,
        BlockingQueue<Chunk> toHash,
        BlockingQueue<Chunk> full) {
      this.chunks = chunks;
      this.transform = transform;
      this.toHash = toHash;
      this.full = full;
    }

    @Override
    public void run() {
      OutputStream sink =
          new OutputStream() {
            @Override
            public void write(int b) throws IOException {
              write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              try {
                while (len > 0) {
                  Chunk c = pending;
                  if (c == null) {
                    c = free.poll();
                    if (c == null && made < OWN) {
                      c = new Chunk(BUFFER);
                      c.home = free;
                      made++;
                    } else if (c == null) {
                      c = free.take();
                    }
                    c.length = 0;
                    pending = c;
                  }
                  int n = Math.min(len, c.data.length - c.length);
                  System.arraycopy(b, off, c.data, c.length, n);
                  c.length += n;
                  off += n;
                  len -= n;
                  if (c.length == c.data.length) {
                    pass();
                  }
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while passing the core on");
              }
            }
          };
      OutputStream raw;
      try {
        raw = transform.open(sink);
      } catch (RuntimeException | OutOfMemoryError e) {
        failure = new IOException(e.toString(), e);
        raw = OutputStream.nullOutputStream();
      }
      try {
        for (Chunk c = chunks.take(); c != END; c = chunks.take()) {
          if (failure == null && !bypass && transform.passing()) {
            pass(); // what it passed on so far goes first
            bypass = true;
          }
          if (bypass && failure == null) {
            c.users.set(2);
            toHash.put(c);
            full.put(c);
            continue;
          }
          if (failure == null) {
            try {
              raw.write(c.data, 0, c.length);
            } catch (IOException | RuntimeException | OutOfMemoryError e) {
              failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
            }
          }
          release(c);
        }
        if (failure == null) {
          try {
            raw.close();
            pass();
          } catch (IOException | RuntimeException | OutOfMemoryError e) {
            failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
          }
        }
      } catch (InterruptedException e) {
        // nobody interrupts this thread; end quietly if it happens
      }
    }

    private void pass() throws InterruptedException {
      Chunk c = pending;
      pending = null;
      if (c == null || c.length == 0) {
        if (c != null) {
          free.put(c);
        }
        return;
      }
      c.users.set(2);
      toHash.put(c);
      full.put(c);
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
