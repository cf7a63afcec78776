package dev.coroner.cli.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which debug image opens the core and how its {@code rundebug.sh} takes commands. The images'
 * {@code rundebug.sh} hands its arguments to the debugger (images/*&#47;rundebug.sh), so batch mode
 * speaks each debugger's own syntax.
 */
public enum DebugKind {
  /** Node.js: lldb with llnode. */
  NODEJS("nodejs", "lldb"),
  /** Native code in gdb. */
  NATIVE_GDB("native", "gdb"),
  /** Native code in lldb ({@code DEBUGGER=lldb} in the native image). */
  NATIVE_LLDB("native", "lldb"),
  /** Java: jhsdb's command line (clhsdb), which reads its commands from stdin. */
  JAVA("java", "jhsdb");

  /** The script every debug image has on its PATH. */
  public static final String RUNDEBUG = "rundebug.sh";

  private final String image;
  private final String debugger;

  DebugKind(String image, String debugger) {
    this.image = image;
    this.debugger = debugger;
  }

  /** The flavour in the image name: {@code coroner-debug-<flavour>}. */
  public String imageFlavour() {
    return image;
  }

  /** The debugger's name, for messages. */
  public String debugger() {
    return debugger;
  }

  /** Extra environment for the debug container. */
  public Map<String, String> env() {
    return this == NATIVE_LLDB ? Map.of("DEBUGGER", "lldb") : Map.of();
  }

  /**
   * What to exec in the debug container.
   *
   * @param argv the command line
   * @param stdin what to feed the debugger (jhsdb's batch commands), or null
   */
  public record Invocation(List<String> argv, String stdin) {
    public Invocation {
      argv = List.copyOf(argv);
    }
  }

  /** What to exec for an interactive ({@code batch} false) or batch session. */
  public Invocation invocation(boolean batch, List<String> commands) {
    return new Invocation(argv(batch, commands), stdin(batch, commands));
  }

  private List<String> argv(boolean batch, List<String> commands) {
    List<String> argv = new ArrayList<>(List.of(RUNDEBUG));
    switch (this) {
      case NODEJS, NATIVE_LLDB -> {
        if (batch) {
          argv.add("--batch");
        }
        for (String c : commands) {
          argv.add("-o");
          argv.add(c);
        }
      }
      case NATIVE_GDB -> {
        if (batch) {
          argv.add("-batch");
        }
        for (String c : commands) {
          argv.add("-ex");
          argv.add(c);
        }
      }
      case JAVA -> {
        // clhsdb has no flag for commands: they go to its stdin (see stdin()).
      }
    }
    return List.copyOf(argv);
  }

  private String stdin(boolean batch, List<String> commands) {
    if (this != JAVA || !batch) {
      return null;
    }
    return String.join("\n", commands) + "\nquit\n";
  }
}
