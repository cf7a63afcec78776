package dev.coroner.capture.write;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.dump.IntegrityCause;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The read-ahead of CoreCopier: a core within it is read whole before it is hashed or written. */
class ReadAheadTest {
  // ByteArrayOutputStream is synchronized: the writer thread fills it while readEnd reads size().
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  @AfterEach
  void off() {
    ReadAhead.reserve(0);
  }

  private static byte[] core(int mib) {
    byte[] b = new byte[mib << 20];
    new Random(42).nextBytes(b);
    return b;
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** Copies without limits; reads of a byte array's channel are short (8 KiB), like a socket's. */
  private CoreCopier.Result copy(ReadableByteChannel in, Runnable readEnd) throws Exception {
    return CoreCopier.copy(
        in,
        out,
        new CoreCopier.Limits(0, margin -> null),
        MessageDigest.getInstance("SHA-256"),
        null,
        readEnd);
  }

  private static ReadableByteChannel channel(byte[] core) {
    return Channels.newChannel(new ByteArrayInputStream(core));
  }

  @Test
  void aCoreWithinTheReadAheadIsReadWholeBeforeAnyOfItIsWritten() throws Exception {
    ReadAhead.reserve(16L << 20);
    byte[] core = core(12);
    int[] writtenAtReadEnd = {-1};
    CoreCopier.Result r = copy(channel(core), () -> writtenAtReadEnd[0] = out.size());
    assertThat(writtenAtReadEnd[0]).isZero();
    assertThat(r.size()).isEqualTo(core.length);
    assertThat(r.readAhead()).as("all of it, as the capture's log says").isEqualTo(core.length);
    assertThat(out.toByteArray()).isEqualTo(core);
    assertThat(r.sha256()).isEqualTo(sha256(core));
  }

  @Test
  void aLargerCoreStreamsOnceTheReadAheadIsUsedUpAndLosesNothing() throws Exception {
    ReadAhead.reserve(4L << 20);
    byte[] core = core(24);
    int[] writtenAtReadEnd = {-1};
    CoreCopier.Result r = copy(channel(core), () -> writtenAtReadEnd[0] = out.size());
    // handed on while reading: the hash and the writer ran beside the read
    assertThat(writtenAtReadEnd[0]).isPositive();
    // the read-ahead and the copier's own buffers, no more
    assertThat(r.readAhead())
        .isBetween(4L << 20, (4L << 20) + (long) CoreCopier.POOL * CoreCopier.BUFFER);
    assertThat(out.toByteArray()).isEqualTo(core);
    assertThat(r.sha256()).isEqualTo(sha256(core));
    assertThat(r.stop()).isNull();
    // every borrowed buffer is back for the next crash
    assertThat(ReadAhead.shared().available()).isEqualTo(4);
  }

  @Test
  void anInterruptWhileHoldingKeepsEveryByteReadInOrder() throws Exception {
    ReadAhead.reserve(16L << 20);
    byte[] sent = core(3);
    Pipe pipe = Pipe.open();
    AtomicReference<CoreCopier.Result> result = new AtomicReference<>();
    AtomicInteger readEnds = new AtomicInteger();
    Thread copier =
        new Thread(
            () -> {
              try {
                result.set(copy(pipe.source(), readEnds::incrementAndGet));
              } catch (Exception e) {
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
    assertThat(out.toByteArray()).isEqualTo(read);
    assertThat(r.sha256()).isEqualTo(sha256(read));
    assertThat(ReadAhead.shared().available()).isEqualTo(16);
  }
}
