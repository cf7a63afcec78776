package dev.coroner.cli.k8s;

import dev.coroner.cli.debugger.DebuggerInvocation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which debug image opens the core and with which debugger. The images' {@code rundebug.sh} hands
 * its arguments to the debugger (images/*&#47;rundebug.sh), so the arguments come from the same
 * {@link DebuggerInvocation} table as local debugging's.
 */
public enum DebugKind {
  /** Node.js: lldb with llnode. */
  NODEJS("nodejs", DebuggerInvocation.LLDB_LLNODE),
  /** Native code in gdb. */
  NATIVE_GDB("native", DebuggerInvocation.GDB),
  /** Native code in lldb ({@code DEBUGGER=lldb} in the native image). */
  NATIVE_LLDB("native", DebuggerInvocation.LLDB),
  /** Java: jhsdb's command line (clhsdb), which reads its commands from stdin. */
  JAVA("java", DebuggerInvocation.JHSDB);

  /** The script every debug image has on its PATH. */
  public static final String RUNDEBUG = "rundebug.sh";

  private final String image;
  private final DebuggerInvocation debugger;

  DebugKind(String image, DebuggerInvocation debugger) {
    this.image = image;
    this.debugger = debugger;
  }

  /** The kind whose image runs {@code debugger} the same way. */
  public static DebugKind of(DebuggerInvocation debugger) {
    return switch (debugger) {
      case LLDB_LLNODE -> NODEJS;
      case LLDB -> NATIVE_LLDB;
      case GDB -> NATIVE_GDB;
      case JHSDB -> JAVA;
    };
  }

  /** The flavour in the image name: {@code coroner-debug-<flavour>}. */
  public String imageFlavour() {
    return image;
  }

  /** The debugger's name, for messages. */
  public String debugger() {
    return debugger.debugger().toString();
  }

  /** Extra environment for the debug container. */
  public Map<String, String> env() {
    return this == NATIVE_LLDB ? Map.of("DEBUGGER", "lldb") : Map.of();
  }

  /** What to exec in the debug container: a command line, nothing on stdin. */
  public record Invocation(List<String> argv) {
    public Invocation {
      argv = List.copyOf(argv);
    }
  }

  /**
   * What to exec for an interactive ({@code batch} false) or batch session. A debugger that takes
   * its batch commands on stdin (jhsdb) gets them from a shell in the pod, not over the exec
   * stream: stdin sent through the API server's WebSocket could arrive after the debugger quit.
   */
  public Invocation invocation(boolean batch, List<String> commands) {
    List<String> rundebug = new ArrayList<>(List.of(RUNDEBUG));
    rundebug.addAll(debugger.options(batch, commands));
    String stdin = debugger.stdin(batch, commands);
    if (stdin == null) {
      return new Invocation(rundebug);
    }
    List<String> argv =
        new ArrayList<>(
            List.of("sh", "-c", "in=$1; shift; printf '%s' \"$in\" | exec \"$@\"", "sh", stdin));
    argv.addAll(rundebug);
    return new Invocation(argv);
  }
}
