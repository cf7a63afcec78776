package dev.coroner.base.files;

import java.io.IOException;
import java.security.MessageDigest;

/**
 * A digest computed on a thread of its own, in order, from copies of the bytes handed to it (a
 * {@link WriteBehind} whose sink is the digest): the caller's thread goes on compressing while the
 * SHA-256 of the same bytes (about a CPU-second per GiB) runs beside it. {@link #update} waits for
 * a buffer when all are taken; {@link #digest()} waits for the last bytes and ends the thread. Not
 * for use by several threads at once.
 */
public final class DigestBehind implements AutoCloseable {
  private final MessageDigest digest;
  private final WriteBehind behind;
  private boolean ended;

  /** Starts the thread that updates {@code digest}. */
  public DigestBehind(MessageDigest digest) {
    this.digest = digest;
    this.behind =
        new WriteBehind("coroner-digest", (data, length) -> digest.update(data, 0, length));
  }

  /** Adds {@code len} bytes of {@code b} from {@code off}; they are copied. */
  public void update(byte[] b, int off, int len) {
    if (ended) {
      throw new IllegalStateException("the digest is already computed");
    }
    try {
      behind.write(b, off, len);
    } catch (IOException e) {
      throw new IllegalStateException("the digest failed: " + e.getMessage(), e);
    }
  }

  /** The digest of every byte handed over; waits for the thread to finish them. */
  public byte[] digest() {
    close();
    return digest.digest();
  }

  /** Ends the thread (on a failure: the digest is then of what was handed over, unused). */
  @Override
  public void close() {
    if (ended) {
      return;
    }
    ended = true;
    try {
      behind.close();
    } catch (IOException e) {
      throw new IllegalStateException("the digest failed: " + e.getMessage(), e);
    }
  }
}
