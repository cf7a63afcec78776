package dev.coroner.dump.name;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A dump name template such as {@code {uuid}-dump-{timestamp}-{hostname}-{exe}-{pid}-{signal}}, the
 * layout of the IBM core-dump-handler names that users already know. The result is always a safe
 * single path segment without the {@code .zip} suffix.
 */
public final class NameTemplate {
  /** The seed's layout, kept as the default. */
  public static final String DEFAULT = "{uuid}-dump-{timestamp}-{hostname}-{exe}-{pid}-{signal}";

  /** Fields a template may use. */
  public static final Set<String> FIELDS =
      Set.of(
          "uuid",
          "timestamp",
          "hostname",
          "exe",
          "pid",
          "signal",
          "namespace",
          "pod",
          "container",
          "pod_uid");

  private static final int MAX_VALUE_LENGTH = 63;
  private static final int MAX_NAME_LENGTH = 200;

  private final String template;
  private final List<String> parts; // alternating literal, field, literal, field, ...

  private NameTemplate(String template, List<String> parts) {
    this.template = template;
    this.parts = List.copyOf(parts);
  }

  /**
   * Parses a template.
   *
   * @throws IllegalArgumentException naming the problem, for an unknown field, an unclosed brace, a
   *     template without {uuid} or one with a path separator
   */
  public static NameTemplate parse(String template) {
    if (template == null || template.isBlank()) {
      throw new IllegalArgumentException("the name template is empty");
    }
    if (template.contains("/") || template.contains("\0")) {
      throw new IllegalArgumentException("the name template must not contain '/': " + template);
    }
    List<String> parts = new ArrayList<>();
    int i = 0;
    StringBuilder literal = new StringBuilder();
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c == '{') {
        int end = template.indexOf('}', i);
        if (end < 0) {
          throw new IllegalArgumentException("unclosed '{' in name template: " + template);
        }
        String field = template.substring(i + 1, end);
        if (!FIELDS.contains(field)) {
          throw new IllegalArgumentException(
              "unknown field {" + field + "} in name template; use some of " + sorted());
        }
        parts.add(literal.toString());
        parts.add(field);
        literal.setLength(0);
        i = end + 1;
      } else if (c == '}') {
        throw new IllegalArgumentException("unmatched '}' in name template: " + template);
      } else {
        literal.append(c);
        i++;
      }
    }
    parts.add(literal.toString());
    if (!parts.contains("uuid")) {
      // Without the uuid two crashes in the same second could overwrite each other.
      throw new IllegalArgumentException("the name template must contain {uuid}: " + template);
    }
    return new NameTemplate(template, parts);
  }

  /** Formats a name from the fields; the result has no {@code .zip} suffix. */
  public String format(NameFields fields) {
    var values = fields.asMap();
    StringBuilder name = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      String part = parts.get(i);
      name.append(i % 2 == 0 ? sanitize(part, Integer.MAX_VALUE) : sanitize(values.get(part)));
    }
    String result = name.toString();
    if (result.length() > MAX_NAME_LENGTH) {
      // Keep the start, where the uuid usually is, and stay below NAME_MAX with the suffixes.
      result = result.substring(0, MAX_NAME_LENGTH);
    }
    return result.startsWith(".") ? "_" + result.substring(1) : result;
  }

  /** The template text. */
  public String text() {
    return template;
  }

  /** Makes a field value safe for a file name: [A-Za-z0-9._-], others become '_'. */
  static String sanitize(@Nullable String value) {
    if (value == null || value.isEmpty()) {
      return "unknown";
    }
    return sanitize(value, MAX_VALUE_LENGTH);
  }

  private static String sanitize(String value, int max) {
    StringBuilder out = new StringBuilder(Math.min(value.length(), 64));
    for (int i = 0; i < value.length() && out.length() < max; i++) {
      char c = value.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      out.append(ok ? c : '_');
    }
    return out.toString();
  }

  private static List<String> sorted() {
    return FIELDS.stream().sorted().toList();
  }

  @Override
  public String toString() {
    return template;
  }
}
