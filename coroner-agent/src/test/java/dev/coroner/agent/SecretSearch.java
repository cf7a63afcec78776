package dev.coroner.agent;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Where a secret still sits in a file, in every encoding a runtime may hold it in. */
final class SecretSearch {
  private static final List<Charset> ENCODINGS =
      List.of(StandardCharsets.UTF_8, StandardCharsets.ISO_8859_1, StandardCharsets.UTF_16LE);

  private SecretSearch() {}

  /** {@code "NAME in ENCODING at OFFSET"} for each occurrence. */
  static List<String> find(byte[] data, String name, String secret) {
    List<String> found = new ArrayList<>();
    for (Charset cs : ENCODINGS) {
      if (cs == StandardCharsets.ISO_8859_1 && secret.chars().allMatch(c -> c < 0x80)) {
        continue; // the same bytes as UTF-8
      }
      byte[] n = secret.getBytes(cs);
      for (int at = indexOf(data, n, 0); at >= 0; at = indexOf(data, n, at + 1)) {
        found.add(name + " in " + cs + " at " + at);
      }
    }
    return found;
  }

  /**
   * {@code "NAME[FROM, TO) in ENCODING at OFFSET"} for each piece of {@code length} characters of
   * {@code secret} that occurs: what a runtime's string parts or freed memory may still hold.
   */
  static List<String> findPieces(byte[] data, String name, String secret, int length) {
    List<String> found = new ArrayList<>();
    for (int i = 0; i + length <= secret.length(); i++) {
      String piece = secret.substring(i, i + length);
      for (String f : find(data, "piece", piece)) {
        found.add(name + "[" + i + ", " + (i + length) + ")" + f.substring("piece".length()));
      }
    }
    return found;
  }

  /** How often {@code secret} occurs in {@code cs}. */
  static int count(byte[] data, String secret, Charset cs) {
    byte[] n = secret.getBytes(cs);
    int c = 0;
    for (int at = indexOf(data, n, 0); at >= 0; at = indexOf(data, n, at + 1)) {
      c++;
    }
    return c;
  }

  static int indexOf(byte[] hay, byte[] needle, int from) {
    byte first = needle[0];
    int last = hay.length - needle.length;
    for (int i = from; i <= last; i++) {
      if (hay[i] == first
          && java.util.Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }
}
