package dev.coroner.cli.debug;

import dev.coroner.cli.debugger.Debugger;
import dev.coroner.dump.DumpInfo;
import java.nio.file.Path;

/** The runtime of the crashed program, which decides the debugger. */
enum AppRuntime {
  /** Node.js: lldb with llnode shows the JavaScript stack. */
  NODE(Debugger.LLDB),
  /** A JVM: jhsdb shows the Java stack (gdb if the matching JDK has no jhsdb). */
  JAVA(Debugger.JHSDB),
  /** C, C++, Rust, Go...: gdb. */
  NATIVE(Debugger.GDB);

  private final Debugger debugger;

  AppRuntime(Debugger debugger) {
    this.debugger = debugger;
  }

  Debugger debugger() {
    return debugger;
  }

  /**
   * Tells the runtime from the executable's name and, failing that, from what the process had
   * mapped ({@code proc/maps}): libnode or libjvm give it away even behind a custom launcher.
   */
  static AppRuntime detect(DumpInfo info, String maps) {
    String exe = info.process().exePath() == null ? "" : info.process().exePath();
    String name =
        exe.isEmpty()
            ? String.valueOf(info.process().exe())
            : Path.of(exe).getFileName().toString();
    if (name.equals("node") || name.equals("nodejs") || name.startsWith("node-")) {
      return NODE;
    }
    if (name.equals("java") || name.equals("javaw")) {
      return JAVA;
    }
    String m = maps == null ? "" : maps;
    if (m.contains("/libnode.so")) {
      return NODE;
    }
    if (m.contains("/libjvm.so")) {
      return JAVA;
    }
    return NATIVE;
  }
}
