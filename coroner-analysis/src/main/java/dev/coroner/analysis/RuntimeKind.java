package dev.coroner.analysis;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The runtime of the crashed program, which decides the debugger that reads its stack. */
public enum RuntimeKind {
  /** Node.js: lldb with llnode names the JavaScript frames. */
  NODE,
  /** A JVM: eu-stack for the native frames and jhsdb for the Java frames. */
  JAVA,
  /** C, C++, Rust, Go...: eu-stack. */
  NATIVE;

  /** The name in dump-info: {@code node}, {@code java} or {@code native}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Tells the runtime from the executable's name and, failing that, from the files the process had
   * mapped (the core's NT_FILE note): libnode or libjvm give it away behind a custom launcher.
   */
  public static RuntimeKind detect(@Nullable Path exe, List<String> mappedFiles) {
    String name = exe == null || exe.getFileName() == null ? "" : exe.getFileName().toString();
    if (name.equals("node") || name.equals("nodejs") || name.startsWith("node-")) {
      return NODE;
    }
    if (name.equals("java") || name.equals("javaw")) {
      return JAVA;
    }
    for (String f : mappedFiles == null ? List.<String>of() : mappedFiles) {
      String base = Text.basename(f);
      if (base.startsWith("libnode.so")) {
        return NODE;
      }
      if (base.equals("libjvm.so")) {
        return JAVA;
      }
    }
    return NATIVE;
  }
}
