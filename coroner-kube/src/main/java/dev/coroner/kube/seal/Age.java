package dev.coroner.kube.seal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The age file format (age-encryption.org/v1) for one X25519 recipient, ASCII-armored: what the
 * controller seals a download URL with and the CLI opens; {@code age -d -i KEY} opens it too. Small
 * payloads only (a URL): the whole text is in memory.
 */
public final class Age {
  private static final String INTRO = "age-encryption.org/v1";
  private static final String X25519_LABEL = "age-encryption.org/v1/X25519";
  private static final String BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----";
  private static final String END = "-----END AGE ENCRYPTED FILE-----";
  private static final int CHUNK = 64 * 1024;
  private static final int TAG = 16;
  private static final Base64.Encoder RAW = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getDecoder();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Age() {}

  /** {@code plaintext} encrypted to {@code to}, as ASCII armor. */
  public static String encrypt(byte[] plaintext, AgeRecipient to) {
    byte[] fileKey = random(16);
    byte[][] ephemeral = X25519.generate();
    byte[] share = ephemeral[1];
    byte[] shared = X25519.agree(ephemeral[0], to.publicKey());
    byte[] wrapKey = Hkdf.sha256(shared, concat(share, to.publicKey()), X25519_LABEL);
    byte[] body = chacha(Cipher.ENCRYPT_MODE, wrapKey, new byte[12], fileKey);
    String header =
        INTRO
            + "\n-> X25519 "
            + RAW.encodeToString(share)
            + "\n"
            + wrap(RAW.encodeToString(body))
            + "---";
    byte[] mac = hmac(Hkdf.sha256(fileKey, new byte[0], "header"), header);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        (header + " " + RAW.encodeToString(mac) + "\n").getBytes(StandardCharsets.US_ASCII));
    byte[] nonce = random(16);
    out.writeBytes(nonce);
    out.writeBytes(stream(Cipher.ENCRYPT_MODE, Hkdf.sha256(fileKey, nonce, "payload"), plaintext));
    return armor(out.toByteArray());
  }

  /**
   * Opens armored (or binary, as Latin-1 text) age output with {@code identity}.
   *
   * @throws AgeException when it is not for this identity, or damaged
   */
  public static byte[] decrypt(String sealed, AgeIdentity identity) throws AgeException {
    byte[] file = unarmor(sealed);
    int headerEnd = indexOf(file, "\n--- ".getBytes(StandardCharsets.US_ASCII));
    if (!startsWith(file, (INTRO + "\n").getBytes(StandardCharsets.US_ASCII)) || headerEnd < 0) {
      throw new AgeException("not age-encryption.org/v1 output");
    }
    int macLineEnd = indexOf(file, new byte[] {'\n'}, headerEnd + 5);
    if (macLineEnd < 0) {
      throw new AgeException("the age header has no end");
    }
    String header = new String(file, 0, headerEnd + 4, StandardCharsets.US_ASCII);
    byte[] mac =
        decode(
            new String(file, headerEnd + 5, macLineEnd - headerEnd - 5, StandardCharsets.US_ASCII));
    byte[] fileKey = unwrap(stanzas(header), identity);
    if (!MessageDigest.isEqual(mac, hmac(Hkdf.sha256(fileKey, new byte[0], "header"), header))) {
      throw new AgeException("the age header's MAC does not match: damaged");
    }
    int payload = macLineEnd + 1;
    if (file.length < payload + 16 + TAG) {
      throw new AgeException("the age payload is cut short");
    }
    byte[] nonce = Arrays.copyOfRange(file, payload, payload + 16);
    byte[] chunks = Arrays.copyOfRange(file, payload + 16, file.length);
    try {
      return stream(Cipher.DECRYPT_MODE, Hkdf.sha256(fileKey, nonce, "payload"), chunks);
    } catch (IllegalStateException e) {
      throw new AgeException("the age payload does not decrypt: damaged", e);
    }
  }

  /** The X25519 stanzas' arguments and bodies: {share, body}. */
  private static List<byte[][]> stanzas(String header) throws AgeException {
    List<byte[][]> out = new ArrayList<>();
    String[] lines = header.split("\n", -1);
    for (int i = 1; i < lines.length; i++) {
      if (!lines[i].startsWith("-> ")) {
        continue;
      }
      String[] args = lines[i].substring(3).split(" ");
      StringBuilder body = new StringBuilder();
      int j = i + 1;
      while (j < lines.length && !lines[j].startsWith("-> ") && !lines[j].startsWith("---")) {
        body.append(lines[j]);
        j++;
      }
      if (args.length == 2 && args[0].equals("X25519")) {
        out.add(new byte[][] {decode(args[1]), decode(body.toString())});
      }
    }
    return out;
  }

  private static byte[] unwrap(List<byte[][]> stanzas, AgeIdentity identity) throws AgeException {
    byte[] secret = identity.secret();
    byte[] ours = identity.recipient().publicKey();
    for (byte[][] s : stanzas) {
      try {
        byte[] shared = X25519.agree(secret, s[0]);
        byte[] wrapKey = Hkdf.sha256(shared, concat(s[0], ours), X25519_LABEL);
        return chacha(Cipher.DECRYPT_MODE, wrapKey, new byte[12], s[1]);
      } catch (IllegalArgumentException | IllegalStateException e) {
        // not for this identity: try the next stanza
      }
    }
    throw new AgeException("not encrypted to this key (" + identity.recipient() + ")");
  }

  /** age's STREAM: 64 KiB chunks, each with a counter nonce whose last byte marks the last. */
  private static byte[] stream(int mode, byte[] key, byte[] in) {
    int chunk = mode == Cipher.ENCRYPT_MODE ? CHUNK : CHUNK + TAG;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long counter = 0;
    int off = 0;
    do {
      int len = Math.min(chunk, in.length - off);
      boolean last = off + len >= in.length;
      byte[] nonce = ByteBuffer.allocate(12).putLong(3, counter++).array();
      nonce[11] = (byte) (last ? 1 : 0);
      out.writeBytes(chacha(mode, key, nonce, Arrays.copyOfRange(in, off, off + len)));
      off += len;
    } while (off < in.length);
    return out.toByteArray();
  }

  private static byte[] chacha(int mode, byte[] key, byte[] nonce, byte[] in) {
    try {
      Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
      c.init(mode, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
      return c.doFinal(in);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 failed: " + e.getMessage(), e);
    }
  }

  private static byte[] hmac(byte[] key, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(text.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no HMAC-SHA256", e);
    }
  }

  /** Base64 body lines: 64 columns, the last one shorter (empty if need be). */
  private static String wrap(String b64) {
    StringBuilder s = new StringBuilder();
    int i = 0;
    for (; i + 64 <= b64.length(); i += 64) {
      s.append(b64, i, i + 64).append('\n');
    }
    return s.append(b64.substring(i)).append('\n').toString();
  }

  private static String armor(byte[] file) {
    String b64 = Base64.getEncoder().encodeToString(file);
    StringBuilder s = new StringBuilder(BEGIN).append('\n');
    for (int i = 0; i < b64.length(); i += 64) {
      s.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
    }
    return s.append(END).append('\n').toString();
  }

  private static byte[] unarmor(String text) throws AgeException {
    String t = text.strip();
    if (!t.startsWith(BEGIN)) {
      return text.getBytes(StandardCharsets.ISO_8859_1);
    }
    if (!t.endsWith(END)) {
      throw new AgeException("the age armor has no end line");
    }
    String body = t.substring(BEGIN.length(), t.length() - END.length()).replaceAll("\\s", "");
    try {
      return Base64.getDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw new AgeException("the age armor is not base64", e);
    }
  }

  private static byte[] decode(String b64) throws AgeException {
    try {
      return DECODER.decode(b64);
    } catch (IllegalArgumentException e) {
      throw new AgeException("the age header is damaged: " + e.getMessage(), e);
    }
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    return a.length >= prefix.length
        && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static int indexOf(byte[] a, byte[] needle) {
    return indexOf(a, needle, 0);
  }

  private static int indexOf(byte[] a, byte[] needle, int from) {
    outer:
    for (int i = from; i <= a.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (a[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
