package dev.coroner.cli.debug;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command line that opens a core in a debugger, with the commands to run first.
 *
 * @param command the argv
 * @param stdin text to feed the debugger (jhsdb's batch commands), or null
 * @param env extra environment
 */
record DebuggerLaunch(List<String> command, String stdin, Map<String, String> env) {

  /** What to open and how. */
  record Target(Path debugger, Path exe, Path core, Path plugin, String pythonPath) {}

  static DebuggerLaunch of(Debugger d, Target t, boolean batch, List<String> commands) {
    List<String> cmd = new ArrayList<>();
    cmd.add(t.debugger().toString());
    switch (d) {
      case LLDB -> {
        if (batch) {
          cmd.add("--batch");
        }
        if (t.plugin() != null) {
          cmd.add("-o");
          cmd.add("plugin load " + t.plugin());
        }
        for (String c : commands) {
          cmd.add("-o");
          cmd.add(c);
        }
        cmd.add("-c");
        cmd.add(t.core().toString());
        cmd.add(t.exe().toString());
        return new DebuggerLaunch(
            cmd, null, t.pythonPath() == null ? Map.of() : Map.of("PYTHONPATH", t.pythonPath()));
      }
      case GDB -> {
        cmd.add("-q");
        if (batch) {
          cmd.add("-batch");
        }
        for (String c : commands) {
          cmd.add("-ex");
          cmd.add(c);
        }
        cmd.add(t.exe().toString());
        cmd.add(t.core().toString());
        return new DebuggerLaunch(cmd, null, Map.of());
      }
      case JHSDB -> {
        cmd.addAll(List.of("clhsdb", "--exe", t.exe().toString(), "--core", t.core().toString()));
        String stdin = batch ? String.join("\n", commands) + "\nquit\n" : null;
        return new DebuggerLaunch(cmd, stdin, Map.of());
      }
      default -> throw new IllegalStateException(d.toString());
    }
  }
}
