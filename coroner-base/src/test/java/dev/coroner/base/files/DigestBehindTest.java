package dev.coroner.base.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DigestBehindTest {
  @Test
  void givesTheDigestOfEveryByteInOrder() throws Exception {
    byte[] data = new byte[WriteBehind.BUFFER * 5 + 4_321];
    new Random(3).nextBytes(data);
    byte[] got;
    try (DigestBehind d = new DigestBehind(MessageDigest.getInstance("SHA-256"))) {
      int at = 0;
      for (int step = 1; at < data.length; step = step * 7 % 2_000_003 + 5) {
        int n = Math.min(step, data.length - at);
        d.update(data, at, n);
        at += n;
      }
      got = d.digest();
      assertThat(d.digest()).as("asked again: the same thread is not restarted").hasSize(32);
      assertThatThrownBy(() -> d.update(data, 0, 1)).isInstanceOf(IllegalStateException.class);
    }
    assertThat(got).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
  }

  @Test
  void anInterruptedCallerStillGetsTheWholeDigestAndKeepsItsInterrupt() throws Exception {
    byte[] data = new byte[WriteBehind.BUFFER * 3];
    new Random(5).nextBytes(data);
    DigestBehind d = new DigestBehind(MessageDigest.getInstance("SHA-256"));
    Thread.currentThread().interrupt();
    byte[] got;
    try {
      d.update(data, 0, data.length);
      got = d.digest();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(got).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
