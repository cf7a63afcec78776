package dev.coroner.scrub;

import static dev.coroner.scrub.Secrets.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamTest {
  private static final Scrubber S = Scrubber.of(ScrubOptions.defaults());

  /** Text with a JWT, a card or a PEM block across each MiB boundary. */
  static byte[] textWithSecretsAcrossChunks(int mib) {
    byte[] data = new byte[mib << 20];
    Random r = new Random(7);
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) ('a' + r.nextInt(26));
    }
    for (int m = 1; m < mib; m++) {
      String secret = m % 3 == 0 ? JWT : m % 3 == 1 ? VISA : PEM;
      put(data, (m << 20) - 9, " " + secret + " ");
    }
    return data;
  }

  static void put(byte[] data, int at, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, data, at, b.length);
  }

  @Test
  void aStreamIsScrubbedLikeTheSameBytesAtOnceWhateverTheReadSizes() throws Exception {
    byte[] data = textWithSecretsAcrossChunks(7);
    byte[] whole = data.clone();
    ScrubReport once = S.scrubText(whole);
    assertThat(once.matches())
        .containsEntry("jwt", 2L)
        .containsEntry("card", 2L)
        .containsEntry("pem-private-key", 2L);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ScrubReport streamed = S.scrubStream(new Trickle(data, 777), out);
    assertThat(out.toByteArray()).isEqualTo(whole);
    assertThat(streamed.matches()).isEqualTo(once.matches());
    assertThat(streamed.bytesScanned()).isEqualTo(data.length);
  }

  @Test
  void anEmptyStreamGivesNothing() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ScrubReport r = S.scrubStream(new ByteArrayInputStream(new byte[0]), out);
    assertThat(out.size()).isZero();
    assertThat(r.complete()).isTrue();
  }

  /** Returns at most {@code step} bytes per read. */
  static final class Trickle extends InputStream {
    private final byte[] data;
    private final int step;
    private int at;

    Trickle(byte[] data, int step) {
      this.data = data;
      this.step = step;
    }

    @Override
    public int read() {
      return at < data.length ? data[at++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (at >= data.length) {
        return -1;
      }
      int n = Math.min(Math.min(len, step), data.length - at);
      System.arraycopy(data, at, b, off, n);
      at += n;
      return n;
    }
  }
}
