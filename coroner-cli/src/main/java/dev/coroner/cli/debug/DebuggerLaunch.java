package dev.coroner.cli.debug;

import dev.coroner.cli.debugger.Debugger;
import dev.coroner.cli.debugger.DebuggerInvocation;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The command line that opens a core in a debugger here, with the commands to run first (the
 * arguments from {@link DebuggerInvocation}).
 *
 * @param command the argv
 * @param stdin text to feed the debugger (jhsdb's batch commands), or null
 * @param env extra environment
 */
record DebuggerLaunch(List<String> command, @Nullable String stdin, Map<String, String> env) {

  /**
   * What to open and how; {@code plugin} (llnode) makes lldb load it; {@code sysroot} (null: none)
   * holds the crashed process's own files.
   */
  record Target(
      Path debugger,
      Path exe,
      Path core,
      @Nullable Path plugin,
      @Nullable String pythonPath,
      @Nullable Path sysroot) {
    Target(Path debugger, Path exe, Path core, @Nullable Path plugin, @Nullable String pythonPath) {
      this(debugger, exe, core, plugin, pythonPath, null);
    }
  }

  static DebuggerLaunch of(Debugger d, Target t, boolean batch, List<String> commands) {
    DebuggerInvocation how = DebuggerInvocation.of(d, t.plugin() != null);
    List<String> argv =
        how.local(
            new DebuggerInvocation.Files(t.debugger(), t.exe(), t.core(), t.plugin(), t.sysroot()),
            batch,
            commands);
    // lldb's Python (for llnode's helpers) may live outside the default path.
    Map<String, String> env = new java.util.HashMap<>();
    if (d == Debugger.LLDB && t.pythonPath() != null) {
      env.put("PYTHONPATH", t.pythonPath());
    }
    if (d == Debugger.JHSDB && t.sysroot() != null) {
      env.putAll(DebuggerInvocation.jhsdbSysroot(t.sysroot().toString()));
    }
    return new DebuggerLaunch(argv, how.stdin(batch, commands), Map.copyOf(env));
  }
}
