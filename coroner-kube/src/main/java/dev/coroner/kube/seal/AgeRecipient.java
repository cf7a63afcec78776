package dev.coroner.kube.seal;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * An age X25519 recipient, {@code age1...}: a public key that URLs are sealed to. Immutable: the
 * key is copied in and out, and two recipients are equal when their keys are.
 */
public final class AgeRecipient {
  static final String HRP = "age";

  private final byte[] publicKey;

  /**
   * The recipient of a raw X25519 public key.
   *
   * @throws IllegalArgumentException unless it has 32 bytes
   */
  public AgeRecipient(byte[] publicKey) {
    if (publicKey.length != X25519.KEY_BYTES) {
      throw new IllegalArgumentException("an X25519 public key has 32 bytes");
    }
    this.publicKey = publicKey.clone();
  }

  /**
   * Parses {@code age1...}.
   *
   * @throws IllegalArgumentException with what is wrong, for a key that is not one
   */
  public static AgeRecipient parse(@Nullable String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty; an age X25519 recipient starts with age1");
    }
    Bech32.Decoded d;
    try {
      d = Bech32.decode(text.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "not an age X25519 recipient (age1...): " + e.getMessage(), e);
    }
    if (!d.hrp().equals(HRP) || d.data().length != X25519.KEY_BYTES) {
      throw new IllegalArgumentException("not an age X25519 recipient (age1...)");
    }
    return new AgeRecipient(d.data());
  }

  /** The raw 32-byte public key (a copy). */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** {@code age1...}. */
  @Override
  public String toString() {
    return Bech32.encode(HRP, publicKey);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof AgeRecipient r && Arrays.equals(publicKey, r.publicKey);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(publicKey);
  }
}
