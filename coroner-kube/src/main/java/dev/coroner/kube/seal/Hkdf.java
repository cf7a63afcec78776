package dev.coroner.kube.seal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF-SHA256 (RFC 5869) for one 32-byte output, as age derives its keys. */
final class Hkdf {
  private Hkdf() {}

  static byte[] sha256(byte[] ikm, byte[] salt, String info) {
    // An empty salt means a string of zeros as long as the hash (RFC 5869 2.2); HMAC pads a key
    // with zeros anyway, and the JDK refuses an empty key.
    byte[] prk = hmac(salt.length == 0 ? new byte[32] : salt, ikm);
    byte[] infoBytes = info.getBytes(StandardCharsets.US_ASCII);
    byte[] t = new byte[infoBytes.length + 1];
    System.arraycopy(infoBytes, 0, t, 0, infoBytes.length);
    t[infoBytes.length] = 1;
    return hmac(prk, t);
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no HMAC-SHA256", e);
    }
  }
}
