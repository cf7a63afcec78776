package dev.coroner.kube.seal;

/** An age X25519 recipient, {@code age1...}: a public key that URLs are sealed to. */
public record AgeRecipient(byte[] publicKey) {
  static final String HRP = "age";

  public AgeRecipient {
    if (publicKey.length != X25519.KEY_BYTES) {
      throw new IllegalArgumentException("an X25519 public key has 32 bytes");
    }
    publicKey = publicKey.clone();
  }

  /**
   * Parses {@code age1...}.
   *
   * @throws IllegalArgumentException with what is wrong, for a key that is not one
   */
  public static AgeRecipient parse(String text) {
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

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** {@code age1...}. */
  @Override
  public String toString() {
    return Bech32.encode(HRP, publicKey);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AgeRecipient r && java.util.Arrays.equals(publicKey, r.publicKey);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(publicKey);
  }
}
