package dev.coroner.analysis;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One frame of the crashing thread, as a debugger showed it, plus what the signature made of it.
 *
 * @param kind {@link #NATIVE}, {@link #JS}, {@link #JAVA} or {@link #MARKER}
 * @param function the demangled symbol, the JavaScript function or {@code pkg.Class.method}; empty
 *     when unknown; never argument values
 * @param module the ELF module's file name (native frames), else null
 * @param buildId the module's GNU build-id in hex, or null
 * @param offset the pc's offset in the module ({@code 0x1194}), or null
 * @param file the source file (native: from DWARF; JavaScript: the script), or null
 * @param line the source line, 0 when unknown (JavaScript: where the function starts, as llnode
 *     reports it)
 * @param key the normalized form the signature hashes; null for a frame the signature skips
 * @param inApp whether the frame is the application's own code (not libc, the runtime, the JDK)
 */
public record Frame(
    String kind,
    String function,
    @Nullable String module,
    @Nullable String buildId,
    @Nullable String offset,
    @Nullable String file,
    int line,
    @Nullable String key,
    boolean inApp) {
  public static final String NATIVE = "native";
  public static final String JS = "js";
  public static final String JAVA = "java";

  /** A V8 frame marker such as {@code <exit>}, or a frame llnode could not name. */
  public static final String MARKER = "marker";

  /** Debugger output is not trusted: no field grows past this. */
  static final int MAX_TEXT = 300;

  public Frame {
    function = function == null ? "" : Text.cap(function, MAX_TEXT);
    module = module == null ? null : Text.cap(module, MAX_TEXT);
    file = file == null ? null : Text.cap(file, MAX_TEXT);
    key = key == null ? null : Text.cap(key, MAX_TEXT);
  }

  static Frame nativeFrame(
      String function,
      @Nullable String module,
      @Nullable String buildId,
      @Nullable String offset,
      @Nullable String file,
      int line) {
    return new Frame(NATIVE, function, module, buildId, offset, file, line, null, false);
  }

  static Frame js(String function, @Nullable String script, int line) {
    return new Frame(JS, function, null, null, null, script, line, null, false);
  }

  static Frame java(String method, int line) {
    return new Frame(JAVA, method, null, null, null, null, line, null, false);
  }

  static Frame marker(String text) {
    return new Frame(MARKER, text, null, null, null, null, 0, null, false);
  }

  /** This frame as the signature sees it. */
  Frame classified(@Nullable String key, boolean inApp) {
    return new Frame(kind, function, module, buildId, offset, file, line, key, inApp);
  }

  /** A frame without a symbol and without a module: JIT or interpreter code to eu-stack. */
  boolean anonymous() {
    return NATIVE.equals(kind) && function.isEmpty() && module == null;
  }

  /** The JSON shape (snake_case keys; unknown fields left out). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", kind);
    m.put("function", function);
    putIfSet(m, "module", module);
    putIfSet(m, "build_id", buildId);
    putIfSet(m, "offset", offset);
    putIfSet(m, "file", file);
    if (line > 0) {
      m.put("line", line);
    }
    putIfSet(m, "key", key);
    m.put("in_app", inApp);
    return m;
  }

  private static void putIfSet(Map<String, Object> m, String name, @Nullable String value) {
    if (value != null) {
      m.put(name, value);
    }
  }
}
