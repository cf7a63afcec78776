package dev.coroner.receiver.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.receiver.sys.ReadAbortedException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CoreStartTest {
  private static byte[] kernelHead() throws IOException {
    try (InputStream in =
        CoreStartTest.class.getResourceAsStream("/dev/coroner/receiver/elf/kernel-sigsegv.head")) {
      return in.readAllBytes();
    }
  }

  @Test
  void readsOnlyAsFarAsTheNotesAndReplaysEverythingInOrder() throws IOException {
    byte[] head = kernelHead();
    byte[] core = Arrays.copyOf(head, head.length + (3 << 20));
    new Random(7).nextBytes(core); // the rest of the core: memory
    System.arraycopy(head, 0, core, 0, head.length);
    TrickleChannel in = new TrickleChannel(core, 4096);

    CoreStart start = CoreStart.read(in);

    assertThat(start.notes().signal()).hasValue(11);
    assertThat(start.notes().command()).contains("crasher");
    assertThat(start.length()).isLessThan(head.length + CoreStart.NOTES + 1);
    assertThat(drain(start)).isEqualTo(core);
  }

  @Test
  void aShortOrForeignStreamIsPassedThroughAsItIs() throws IOException {
    byte[] text = "not a core at all".getBytes();
    CoreStart start = CoreStart.read(Channels.newChannel(new ByteArrayInputStream(text)));
    assertThat(start.notes().signal()).isEmpty();
    assertThat(drain(start)).isEqualTo(text);
    CoreStart empty = CoreStart.read(Channels.newChannel(new ByteArrayInputStream(new byte[0])));
    assertThat(drain(empty)).isEmpty();
  }

  @Test
  void aReadFailureComesAfterTheBytesReadBeforeIt() throws IOException {
    byte[] head = kernelHead();
    byte[] part = Arrays.copyOf(head, 100);
    ReadableByteChannel failing =
        new TrickleChannel(part, 64) {
          @Override
          public int read(ByteBuffer dst) throws IOException {
            int n = super.read(dst);
            if (n < 0) {
              throw new ReadAbortedException("the connection deadline (PT1S) passed");
            }
            return n;
          }
        };
    CoreStart start = CoreStart.read(failing);
    ByteBuffer buf = ByteBuffer.allocate(1000);
    assertThat(start.read(buf)).isEqualTo(100);
    assertThatThrownBy(() -> start.read(buf)).isInstanceOf(ReadAbortedException.class);
  }

  @Test
  void wantedGrowsFromTheHeaderToTheNotes() throws IOException {
    byte[] head = kernelHead();
    ByteBuffer b = ByteBuffer.wrap(head).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.position(64);
    assertThat(CoreStart.wanted(b)).isEqualTo(64 + 56); // the first program header
    b.position(64 + 56);
    assertThat(CoreStart.wanted(b)).isGreaterThan(64 + 56).isLessThanOrEqualTo(CoreStart.MAX);
  }

  private static byte[] drain(ReadableByteChannel in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(100_000);
    while (in.read(buf.clear()) >= 0) {
      out.write(buf.array(), 0, buf.position());
    }
    return out.toByteArray();
  }

  /** Hands out at most {@code chunk} bytes per read, as a socket does. */
  private static class TrickleChannel implements ReadableByteChannel {
    private final byte[] data;
    private final int chunk;
    private int pos;

    TrickleChannel(byte[] data, int chunk) {
      this.data = data;
      this.chunk = chunk;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (pos == data.length) {
        return -1;
      }
      int n = Math.min(chunk, Math.min(dst.remaining(), data.length - pos));
      dst.put(data, pos, n);
      pos += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
