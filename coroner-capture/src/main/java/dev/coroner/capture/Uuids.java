package dev.coroner.capture;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random (version 4) UUIDs from {@code /dev/urandom}. {@link UUID#randomUUID()} initialises the
 * JDK's SecureRandom and security providers first, about 25 ms at every crash; a dump's uuid needs
 * uniqueness, which the kernel's random bytes give directly.
 */
public final class Uuids {
  private Uuids() {}

  /** A random version 4 UUID in its text form. */
  public static String random() {
    byte[] b = new byte[16];
    try (InputStream in = new FileInputStream("/dev/urandom")) {
      if (in.readNBytes(b, 0, 16) != 16) {
        ThreadLocalRandom.current().nextBytes(b);
      }
    } catch (IOException e) {
      ThreadLocalRandom.current().nextBytes(b);
    }
    b[6] = (byte) ((b[6] & 0x0f) | 0x40); // version 4
    b[8] = (byte) ((b[8] & 0x3f) | 0x80); // IETF variant
    ByteBuffer buf = ByteBuffer.wrap(b);
    return new UUID(buf.getLong(), buf.getLong()).toString();
  }
}
