package dev.coroner.capture.write;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.dump.IntegrityCause;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The read-ahead of CoreCopier: a core within it is read whole before it is hashed or written. */
class ReadAheadTest {
  @AfterEach
  void off() {
    ReadAhead.reserve(0);
  }

  /** A channel over bytes, in reads of at most 256 KiB, like a socket's. */
  private static ReadableByteChannel channel(byte[] bytes) {
    return new ReadableByteChannel() {
      int pos;
      boolean open = true;

      @Override
      public int read(ByteBuffer dst) {
        if (pos == bytes.length) {
          return -1;
        }
        int n = Math.min(Math.min(dst.remaining(), 256 << 10), bytes.length - pos);
        dst.put(bytes, pos, n);
        pos += n;
        return n;
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() {
        open = false;
      }
    };
  }

  private static final class Counting extends OutputStream {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final AtomicLong written = new AtomicLong();

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      bytes.write(b, off, len);
      written.addAndGet(len);
    }
  }

  private static byte[] core(int mib) {
    byte[] b = new byte[mib << 20];
    new Random(42).nextBytes(b);
    return b;
  }

  @Test
  void aCoreWithinTheReadAheadIsReadWholeBeforeAnyOfItIsWritten() throws Exception {
    ReadAhead.reserve(16L << 20);
    byte[] core = core(12);
    Counting out = new Counting();
    long[] writtenAtReadEnd = {-1};
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    CoreCopier.Result r =
        CoreCopier.copy(
            channel(core),
            out,
            new CoreCopier.Limits(0, margin -> null),
            sha,
            null,
            () -> writtenAtReadEnd[0] = out.written.get());
    assertThat(writtenAtReadEnd[0]).isZero();
    assertThat(r.size()).isEqualTo(core.length);
    assertThat(out.bytes.toByteArray()).isEqualTo(core);
    assertThat(r.sha256())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(core)));
  }

  @Test
  void aLargerCoreStreamsOnceTheReadAheadIsUsedUpAndLosesNothing() throws Exception {
    ReadAhead.reserve(4L << 20);
    byte[] core = core(24);
    Counting out = new Counting();
    long[] writtenAtReadEnd = {-1};
    CoreCopier.Result r =
        CoreCopier.copy(
            channel(core),
            out,
            new CoreCopier.Limits(0, margin -> null),
            MessageDigest.getInstance("SHA-256"),
            null,
            () -> writtenAtReadEnd[0] = out.written.get());
    // handed on while reading: the hash and the writer ran beside the read
    assertThat(writtenAtReadEnd[0]).isPositive();
    assertThat(out.bytes.toByteArray()).isEqualTo(core);
    assertThat(r.sha256())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(core)));
    assertThat(r.stop()).isNull();
    // every borrowed buffer is back for the next crash
    assertThat(ReadAhead.shared().available()).isEqualTo(4);
  }

  @Test
  void anInterruptWhileHoldingKeepsEveryByteReadInOrder() throws Exception {
    ReadAhead.reserve(16L << 20);
    byte[] sent = core(3);
    Pipe pipe = Pipe.open();
    Counting out = new Counting();
    AtomicReference<CoreCopier.Result> result = new AtomicReference<>();
    AtomicInteger readEnds = new AtomicInteger();
    Thread copier =
        new Thread(
            () -> {
              try {
                result.set(
                    CoreCopier.copy(
                        pipe.source(),
                        out,
                        new CoreCopier.Limits(0, margin -> null),
                        MessageDigest.getInstance("SHA-256"),
                        null,
                        readEnds::incrementAndGet));
              } catch (java.security.NoSuchAlgorithmException e) {
                throw new AssertionError(e);
              }
            });
    copier.start();
    try {
      // The sink takes the bytes only as fast as the copier reads them; it stays open, so the
      // copier then waits for more, as on a crash whose kernel stopped writing.
      ByteBuffer b = ByteBuffer.wrap(sent);
      while (b.hasRemaining()) {
        pipe.sink().write(b);
      }
      copier.interrupt(); // the watchdog's deadline
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> result.get() != null);
    } finally {
      copier.interrupt();
      copier.join(30_000);
      pipe.sink().close();
      pipe.source().close();
    }
    CoreCopier.Result r = result.get();
    assertThat(readEnds.get()).isEqualTo(1);
    assertThat(r.stop()).isNotNull();
    assertThat(r.stop().cause()).isEqualTo(IntegrityCause.TIMEOUT);
    // what the pipe still held may be unread; what was read is all there, in order
    assertThat(r.size()).isBetween((long) sent.length - (1 << 20), (long) sent.length);
    byte[] read = Arrays.copyOf(sent, (int) r.size());
    assertThat(out.bytes.toByteArray()).isEqualTo(read);
    assertThat(r.sha256())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(read)));
    assertThat(ReadAhead.shared().available()).isEqualTo(16);
  }
}
