package dev.coroner.scrub;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Byte strings to blank wherever they occur, typically the values of a crashed process's
 * environment variables whose names look secret. Each value is searched in the encodings a runtime
 * may hold it in: its own bytes (UTF-8), Latin-1 (V8 and Java one-byte strings) and UTF-16LE (V8
 * two-byte strings, Java UTF-16 strings); the whole value, and any piece of at least 12 characters
 * of it, since runtimes keep pieces (a string builder's parts, freed memory whose first bytes the
 * allocator reused). {@link #toString()} never shows a value.
 */
public final class EnvSecrets {
  /** Values shorter than this are not taken from an environment: they would blank common text. */
  public static final int MIN_LENGTH = 4;

  // Names that hold secrets by convention. PWD and OLDPWD are directories, not passwords.
  private static final Pattern SECRET_NAME =
      Pattern.compile(
          "PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|KEY|CREDENTIAL|CREDS|AUTH|PRIVATE|COOKIE"
              + "|SESSION|SIGNATURE|SALT|DSN");
  // Values that are switches or small counts, not secrets; blanking them everywhere would ruin
  // the text of the core (every "true" in V8's heap) for nothing.
  private static final Set<String> NOT_SECRET =
      Set.of("true", "false", "yes", "no", "null", "none", "enabled", "disabled", "on", "off");
  private static final Pattern SHORT_NUMBER = Pattern.compile("[0-9]{1,5}");

  private static final EnvSecrets NONE = new EnvSecrets(List.of());

  private final List<byte[]> values;

  private EnvSecrets(List<byte[]> values) {
    this.values = values;
  }

  /** No values. */
  public static EnvSecrets none() {
    return NONE;
  }

  /** The given values as they are (UTF-8 or raw bytes); empty ones are dropped. */
  public static EnvSecrets of(List<byte[]> values) {
    List<byte[]> copy = new ArrayList<>();
    for (byte[] v : values) {
      if (v.length > 0) {
        copy.add(v.clone());
      }
    }
    return new EnvSecrets(List.copyOf(copy));
  }

  /**
   * The values, from a {@code /proc/PID/environ} image (NAME=VALUE entries separated by NUL), of
   * the variables whose names contain PASSWORD, PASSWD, SECRET, TOKEN, KEY, CREDENTIAL, AUTH,
   * PRIVATE, COOKIE, SESSION, SIGNATURE, SALT or DSN (case-insensitive), that are at least {@link
   * #MIN_LENGTH} bytes long and are neither a boolean word nor a number of up to 5 digits.
   */
  public static EnvSecrets fromEnviron(byte[] environ) {
    List<byte[]> found = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= environ.length; i++) {
      if (i == environ.length || environ[i] == 0) {
        take(environ, start, i, found);
        start = i + 1;
      }
    }
    return of(found);
  }

  private static void take(byte[] env, int from, int to, List<byte[]> found) {
    int eq = -1;
    for (int i = from; i < to; i++) {
      if (env[i] == '=') {
        eq = i;
        break;
      }
    }
    if (eq <= from || to - eq - 1 < MIN_LENGTH) {
      return;
    }
    String name = new String(env, from, eq - from, StandardCharsets.ISO_8859_1);
    if (!SECRET_NAME.matcher(name.toUpperCase(Locale.ROOT)).find()) {
      return;
    }
    byte[] value = Arrays.copyOfRange(env, eq + 1, to);
    String text = new String(value, StandardCharsets.ISO_8859_1);
    if (NOT_SECRET.contains(text.toLowerCase(Locale.ROOT))
        || SHORT_NUMBER.matcher(text).matches()) {
      return;
    }
    found.add(value);
  }

  /** How many values there are. */
  public int size() {
    return values.size();
  }

  /** Whether there are none. */
  public boolean isEmpty() {
    return values.isEmpty();
  }

  /**
   * Every form to search: the bytes, their Latin-1 form and their UTF-16LE form, without
   * duplicates. UTF-16LE forms are flagged so that they are blanked as {@code *\0} units.
   */
  List<Form> forms() {
    Set<Form> forms = new LinkedHashSet<>();
    for (byte[] v : values) {
      forms.add(new Form(v, false));
      String text = decodeUtf8(v);
      if (text == null) {
        text = new String(v, StandardCharsets.ISO_8859_1);
      } else if (text.chars().allMatch(c -> c <= 0xff)) {
        forms.add(new Form(text.getBytes(StandardCharsets.ISO_8859_1), false));
      }
      forms.add(new Form(text.getBytes(StandardCharsets.UTF_16LE), true));
    }
    return List.copyOf(forms);
  }

  private static @Nullable String decodeUtf8(byte[] v) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(v))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "EnvSecrets[" + values.size() + " values]";
  }

  /** One byte string to search; {@code utf16} when it is blanked in two-byte units. */
  // equals and hashCode compare the bytes.
  @SuppressWarnings("ArrayRecordComponent")
  record Form(byte[] bytes, boolean utf16) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Form f && f.utf16 == utf16 && Arrays.equals(f.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes) * 31 + (utf16 ? 1 : 0);
    }

    @Override
    public String toString() {
      return "Form[" + bytes.length + " bytes]";
    }
  }
}
