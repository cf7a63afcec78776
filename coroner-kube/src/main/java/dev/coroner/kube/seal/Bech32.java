package dev.coroner.kube.seal;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/** Bech32 (BIP 173, the original checksum), as age encodes its keys. */
final class Bech32 {
  private static final String CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

  private Bech32() {}

  /** A decoded string: its human-readable part (lower case) and its data. */
  static final class Decoded {
    private final String hrp;
    private final byte[] data;

    Decoded(String hrp, byte[] data) {
      this.hrp = hrp;
      this.data = data.clone();
    }

    String hrp() {
      return hrp;
    }

    byte[] data() {
      return data.clone();
    }
  }

  static String encode(String hrp, byte[] data) {
    byte[] five = convert(data, 8, 5, true);
    byte[] checksum = checksum(hrp, five);
    StringBuilder s = new StringBuilder(hrp).append('1');
    for (byte b : five) {
      s.append(CHARSET.charAt(b));
    }
    for (byte b : checksum) {
      s.append(CHARSET.charAt(b));
    }
    return s.toString();
  }

  static Decoded decode(String text) {
    if (!text.equals(text.toLowerCase(Locale.ROOT))
        && !text.equals(text.toUpperCase(Locale.ROOT))) {
      throw new IllegalArgumentException("mixed case");
    }
    String s = text.toLowerCase(Locale.ROOT);
    int sep = s.lastIndexOf('1');
    if (sep < 1 || sep + 7 > s.length()) {
      throw new IllegalArgumentException("no separator or too short");
    }
    String hrp = s.substring(0, sep);
    byte[] values = new byte[s.length() - sep - 1];
    for (int i = 0; i < values.length; i++) {
      int v = CHARSET.indexOf(s.charAt(sep + 1 + i));
      if (v < 0) {
        throw new IllegalArgumentException("invalid character '" + s.charAt(sep + 1 + i) + "'");
      }
      values[i] = (byte) v;
    }
    if (polymod(expand(hrp), values) != 1) {
      throw new IllegalArgumentException("bad checksum");
    }
    byte[] five = java.util.Arrays.copyOf(values, values.length - 6);
    return new Decoded(hrp, convert(five, 5, 8, false));
  }

  private static byte[] checksum(String hrp, byte[] data) {
    byte[] values = new byte[data.length + 6];
    System.arraycopy(data, 0, values, 0, data.length);
    int mod = polymod(expand(hrp), values) ^ 1;
    byte[] out = new byte[6];
    for (int i = 0; i < 6; i++) {
      out[i] = (byte) ((mod >>> (5 * (5 - i))) & 31);
    }
    return out;
  }

  private static byte[] expand(String hrp) {
    byte[] out = new byte[hrp.length() * 2 + 1];
    for (int i = 0; i < hrp.length(); i++) {
      out[i] = (byte) (hrp.charAt(i) >> 5);
      out[i + hrp.length() + 1] = (byte) (hrp.charAt(i) & 31);
    }
    return out;
  }

  private static int polymod(byte[] hrp, byte[] values) {
    int[] gen = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    int chk = 1;
    for (byte[] part : new byte[][] {hrp, values}) {
      for (byte v : part) {
        int top = chk >>> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ v;
        for (int i = 0; i < 5; i++) {
          if (((top >>> i) & 1) != 0) {
            chk ^= gen[i];
          }
        }
      }
    }
    return chk;
  }

  private static byte[] convert(byte[] data, int from, int to, boolean pad) {
    int acc = 0;
    int bits = 0;
    int max = (1 << to) - 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte b : data) {
      acc = (acc << from) | (b & 0xff);
      bits += from;
      while (bits >= to) {
        bits -= to;
        out.write((acc >>> bits) & max);
      }
    }
    if (pad) {
      if (bits > 0) {
        out.write((acc << (to - bits)) & max);
      }
    } else if (bits >= from || ((acc << (to - bits)) & max) != 0) {
      throw new IllegalArgumentException("bad padding");
    }
    return out.toByteArray();
  }
}
