package dev.coroner.analysis;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The normalized text of a frame that goes into a signature: no addresses, arguments or template
 * parameters, so that two crashes of one bug give the same text (Socorro's and satyr's rules).
 *
 * <ul>
 *   <li>native with a symbol: {@code module!function} ({@code segv!crash_write}, {@code
 *       tmpl!shop::Basket<T>::checkout});
 *   <li>native without one: {@code module@build-id+offset} (stable for one build);
 *   <li>JavaScript: {@code function@script-basename}, and the line for an anonymous function
 *       ({@code (anonymous)@index.js:1}), the only thing that tells two of them apart;
 *   <li>Java: {@code pkg.Class.method}, generated class numbers removed.
 * </ul>
 */
final class FrameKeys {
  static final String ANONYMOUS = "(anonymous)";

  private static final Pattern CLONE = Pattern.compile("(?: \\[clone [^\\]]*\\])+$");
  // GCC's local clones of C functions in the raw symbol: foo.cold, foo.part.0, foo.isra.0 ...
  private static final Pattern GCC_SUFFIX =
      Pattern.compile("(?:\\.(?:cold|part|isra|constprop|lto_priv|llvm)(?:\\.\\d+)?)+$");
  private static final Pattern RUST_HASH = Pattern.compile("::h[0-9a-f]{16}$");
  private static final Pattern TRAILING_QUALIFIERS =
      Pattern.compile("(?:\\s*(?:const|volatile|noexcept|&&|&))+$");
  private static final Pattern SPACES = Pattern.compile("\\s+");
  private static final Pattern HIDDEN_CLASS = Pattern.compile("/0x[0-9a-fA-F]+");
  private static final Pattern GENERATED_NUMBER =
      Pattern.compile("(\\$\\$Lambda|\\$\\$Proxy|GeneratedMethodAccessor|Accessor)\\$?\\d+");

  private FrameKeys() {}

  /** The key of a frame, or null when nothing stable can be said about it. */
  static @Nullable String of(Frame f) {
    return switch (f.kind()) {
      case Frame.JS -> js(f);
      case Frame.JAVA -> f.function().isEmpty() ? null : javaMethod(f.function());
      case Frame.NATIVE -> nativeKey(f);
      default -> null;
    };
  }

  private static @Nullable String nativeKey(Frame f) {
    String module = f.module() == null ? "?" : f.module();
    if (!f.function().isEmpty()) {
      return module + "!" + nativeFunction(f.function());
    }
    if (f.module() != null && f.offset() != null) {
      return module + "@" + (f.buildId() == null ? "" : f.buildId()) + "+" + f.offset();
    }
    return null; // an address alone changes with every run (ASLR)
  }

  private static String js(Frame f) {
    String script = f.file() == null ? "?" : scriptName(f.file());
    if (f.function().isEmpty() || f.function().equals(ANONYMOUS)) {
      return ANONYMOUS + "@" + script + ":" + f.line();
    }
    return f.function() + "@" + script;
  }

  /** {@code node:internal/timers} stays whole; a path gives its file name. */
  static String scriptName(String script) {
    if (script.startsWith("node:")) {
      return script;
    }
    String s = script.startsWith("file://") ? script.substring("file://".length()) : script;
    return Text.basename(s);
  }

  /** {@code app.Main$$Lambda$14/0x0000000800c03000.run} becomes {@code app.Main$$Lambda.run}. */
  static String javaMethod(String method) {
    String m = HIDDEN_CLASS.matcher(method).replaceAll("");
    return GENERATED_NUMBER.matcher(m).replaceAll("$1");
  }

  /**
   * A demangled native name without its parameters, template arguments, return type, qualifiers,
   * clone suffixes and Rust hash: {@code v8::internal::MaybeHandle<v8::internal::Object>
   * v8::internal::(anonymous namespace)::HandleApiCallHelper<false>(v8::internal::Isolate*)}
   * becomes {@code v8::internal::(anonymous namespace)::HandleApiCallHelper<T>}.
   */
  static String nativeFunction(String name) {
    String s = CLONE.matcher(name.strip()).replaceFirst("");
    s = RUST_HASH.matcher(s).replaceFirst("");
    s = collapse(s);
    s = TRAILING_QUALIFIERS.matcher(s).replaceFirst("");
    s = SPACES.matcher(dropReturnType(s.strip())).replaceAll(" ");
    return GCC_SUFFIX.matcher(s).replaceFirst("");
  }

  /**
   * Template arguments become {@code <T>}; parameter lists go, {@code (anonymous namespace)} stays.
   */
  private static String collapse(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (s.startsWith("operator", i) && isOperatorKeyword(s, i)) {
        i = copyOperator(s, i, out);
      } else if (c == '<') {
        out.append("<T>");
        i = skipGroup(s, i, '<', '>');
      } else if (c == '(' && s.startsWith("(anonymous namespace)", i)) {
        out.append("(anonymous namespace)");
        i += "(anonymous namespace)".length();
      } else if (c == '(') {
        i = skipGroup(s, i, '(', ')');
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** "operator" as a keyword, not the tail of an identifier such as {@code my_operator}. */
  private static boolean isOperatorKeyword(String s, int i) {
    boolean startsWord = i == 0 || !Character.isJavaIdentifierPart(s.charAt(i - 1));
    int end = i + "operator".length();
    boolean endsWord = end >= s.length() || !Character.isJavaIdentifierPart(s.charAt(end));
    return startsWord && endsWord;
  }

  /** Copies {@code operator<<}, {@code operator()}, {@code operator new[]}, ... as they are. */
  private static int copyOperator(String s, int i, StringBuilder out) {
    int j = i + "operator".length();
    out.append("operator");
    if (s.startsWith("()", j)) {
      out.append("()");
      return j + 2;
    }
    if (s.startsWith("[]", j)) {
      out.append("[]");
      return j + 2;
    }
    int k = j;
    while (k < s.length() && "<>=!+-*/%^&|~,".indexOf(s.charAt(k)) >= 0) {
      k++;
    }
    if (k > j) {
      out.append(s, j, k);
      // "operator< <char>": the space would read as the end of a return type.
      while (k < s.length() && s.charAt(k) == ' ') {
        k++;
      }
      return k;
    }
    // operator new, operator delete[], operator bool: a word follows, copied by the caller;
    // the space is kept so dropReturnType can tell it from a return type.
    return j;
  }

  private static int skipGroup(String s, int i, char open, char close) {
    int depth = 0;
    for (int j = i; j < s.length(); j++) {
      char c = s.charAt(j);
      if (c == open) {
        depth++;
      } else if (c == close && --depth == 0) {
        return j + 1;
      }
    }
    return s.length(); // unbalanced (a cut-off name): drop the rest
  }

  /**
   * {@code void foo<T>} gives {@code foo<T>}: GCC's demangler prints a template function's return
   * type. What is left of a name has spaces only there, in {@code (anonymous namespace)} and after
   * {@code operator}.
   */
  private static String dropReturnType(String s) {
    int depth = 0;
    int cut = -1;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(' || c == '{') {
        depth++;
      } else if (c == ')' || c == '}') {
        depth--;
      } else if (c == ' ' && depth == 0 && !s.startsWith("operator", i - "operator".length())) {
        cut = i;
      }
    }
    return cut < 0 ? s : s.substring(cut + 1);
  }
}
