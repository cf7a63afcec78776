package dev.coroner.kube.seal;

import java.util.Arrays;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * An age X25519 identity: the secret half that opens what was sealed to its {@link #recipient()}.
 * The CLI makes one per download and keeps it in memory only. Its {@code toString()} never shows
 * the secret.
 */
public final class AgeIdentity {
  private static final String HRP = "age-secret-key-";

  private final byte[] secret;
  private final AgeRecipient recipient;

  private AgeIdentity(byte[] secret) {
    this.secret = secret.clone();
    this.recipient = new AgeRecipient(X25519.publicKey(secret));
  }

  /** A fresh identity. */
  public static AgeIdentity generate() {
    return new AgeIdentity(X25519.generate()[0]);
  }

  /**
   * Parses {@code AGE-SECRET-KEY-1...} (what {@code age-keygen} writes).
   *
   * @throws IllegalArgumentException for anything else
   */
  public static AgeIdentity parse(String text) {
    Bech32.Decoded d;
    try {
      d = Bech32.decode(text.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an age identity: " + e.getMessage(), e);
    }
    if (!d.hrp().equals(HRP) || d.data().length != X25519.KEY_BYTES) {
      throw new IllegalArgumentException("not an age X25519 identity (AGE-SECRET-KEY-1...)");
    }
    return new AgeIdentity(d.data());
  }

  /** The public half, to put into a request. */
  public AgeRecipient recipient() {
    return recipient;
  }

  /** {@code AGE-SECRET-KEY-1...}, as age-keygen writes it: a secret, for a key file only. */
  public String encode() {
    return Bech32.encode(HRP, secret).toUpperCase(Locale.ROOT);
  }

  byte[] secret() {
    return secret.clone();
  }

  /** Only the recipient: the secret never reaches a log. */
  @Override
  public String toString() {
    return "AgeIdentity[" + recipient + "]";
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof AgeIdentity i && Arrays.equals(secret, i.secret);
  }

  @Override
  public int hashCode() {
    return recipient.hashCode();
  }
}
