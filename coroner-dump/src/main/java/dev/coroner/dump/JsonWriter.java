package dev.coroner.dump;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A small JSON writer for dump-info. The composer may not load a JSON library (its start-up is on
 * the crashing process's critical path), and dump-info is a few flat objects.
 */
final class JsonWriter {
  private final StringBuilder out = new StringBuilder(1024);
  private final StringBuilder indent = new StringBuilder("\n");
  private boolean first = true;

  JsonWriter begin() {
    out.append('{');
    indent.append("  ");
    first = true;
    return this;
  }

  JsonWriter end() {
    indent.setLength(indent.length() - 2);
    out.append(indent).append('}');
    first = false;
    return this;
  }

  JsonWriter object(String key) {
    key(key);
    return begin();
  }

  JsonWriter field(String key, @Nullable String value) {
    key(key);
    string(value);
    return this;
  }

  JsonWriter field(String key, long value) {
    key(key);
    out.append(value);
    return this;
  }

  JsonWriter field(String key, @Nullable Long value) {
    key(key);
    out.append(value == null ? "null" : value.toString());
    return this;
  }

  JsonWriter nullField(String key) {
    key(key);
    out.append("null");
    return this;
  }

  JsonWriter field(String key, boolean value) {
    key(key);
    out.append(value);
    return this;
  }

  JsonWriter field(String key, @Nullable List<String> values) {
    key(key);
    if (values == null) {
      out.append("null");
      return this;
    }
    out.append('[');
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        out.append(", ");
      }
      string(values.get(i));
    }
    out.append(']');
    return this;
  }

  JsonWriter field(String key, @Nullable Map<String, String> values) {
    key(key);
    if (values == null) {
      out.append("null");
      return this;
    }
    out.append('{');
    boolean firstEntry = true;
    for (var e : values.entrySet()) {
      if (!firstEntry) {
        out.append(", ");
      }
      firstEntry = false;
      string(e.getKey());
      out.append(": ");
      string(e.getValue());
    }
    out.append('}');
    return this;
  }

  /**
   * An array of flat objects, one per line: each value a string, a number, a boolean or null. For
   * lists of records (frames, files) that stay readable in a terminal.
   */
  JsonWriter objects(String key, List<Map<String, Object>> rows) {
    key(key);
    if (rows == null) {
      out.append("null");
      return this;
    }
    out.append('[');
    indent.append("  ");
    for (int i = 0; i < rows.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(indent).append('{');
      boolean firstEntry = true;
      for (var e : rows.get(i).entrySet()) {
        if (!firstEntry) {
          out.append(", ");
        }
        firstEntry = false;
        string(e.getKey());
        out.append(": ");
        scalar(e.getValue());
      }
      out.append('}');
    }
    indent.setLength(indent.length() - 2);
    if (!rows.isEmpty()) {
      out.append(indent);
    }
    out.append(']');
    return this;
  }

  private void scalar(Object value) {
    if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else {
      string(value == null ? null : value.toString());
    }
  }

  JsonWriter counts(String key, Map<String, Long> values) {
    key(key);
    out.append('{');
    boolean firstEntry = true;
    for (var e : values.entrySet()) {
      if (!firstEntry) {
        out.append(", ");
      }
      firstEntry = false;
      string(e.getKey());
      out.append(": ").append(e.getValue());
    }
    out.append('}');
    return this;
  }

  private void key(String key) {
    if (!first) {
      out.append(',');
    }
    first = false;
    out.append(indent);
    string(key);
    out.append(": ");
  }

  private void string(@Nullable String value) {
    if (value == null) {
      out.append("null");
      return;
    }
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
            // Lone surrogates come from invalid UTF-8 in /proc; escape rather than corrupt.
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  @Override
  public String toString() {
    return out.toString() + "\n";
  }
}
