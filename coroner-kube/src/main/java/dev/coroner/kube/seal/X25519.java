package dev.coroner.kube.seal;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/** X25519 (RFC 7748) on raw 32-byte keys, through the JDK's XDH provider. */
final class X25519 {
  static final int KEY_BYTES = 32;

  private X25519() {}

  /** A fresh key pair: {secret scalar, public u}. */
  static byte[][] generate() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("X25519").generateKeyPair();
      byte[] secret = ((XECPrivateKey) pair.getPrivate()).getScalar().orElseThrow();
      byte[] pub = encode(((XECPublicKey) pair.getPublic()).getU());
      return new byte[][] {secret, pub};
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no X25519", e);
    }
  }

  /** The public key of a secret scalar: X25519(secret, 9). */
  static byte[] publicKey(byte[] secret) {
    byte[] base = new byte[KEY_BYTES];
    base[0] = 9;
    return agree(secret, base);
  }

  /**
   * X25519(secret, peer).
   *
   * @throws IllegalArgumentException for a peer key that gives the all-zero secret
   */
  static byte[] agree(byte[] secret, byte[] peer) {
    try {
      KeyFactory kf = KeyFactory.getInstance("XDH");
      KeyAgreement ka = KeyAgreement.getInstance("XDH");
      ka.init(kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, secret)));
      ka.doPhase(
          kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, decode(peer))), true);
      return ka.generateSecret();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("X25519 failed: " + e.getMessage(), e);
    }
  }

  /** Little-endian u-coordinate bytes, as RFC 7748 encodes them. */
  private static byte[] encode(BigInteger u) {
    byte[] big = u.toByteArray();
    byte[] out = new byte[KEY_BYTES];
    for (int i = 0; i < KEY_BYTES && i < big.length; i++) {
      out[i] = big[big.length - 1 - i];
    }
    return out;
  }

  private static BigInteger decode(byte[] le) {
    byte[] be = new byte[KEY_BYTES];
    for (int i = 0; i < KEY_BYTES; i++) {
      be[i] = le[KEY_BYTES - 1 - i];
    }
    be[0] &= 0x7f; // RFC 7748: the top bit of the last byte is ignored
    return new BigInteger(1, be);
  }
}
