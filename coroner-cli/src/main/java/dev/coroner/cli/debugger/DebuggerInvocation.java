package dev.coroner.cli.debugger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How each debugger is told to open a core, run commands and stop: the one table that local {@code
 * coroner debug} and the debug pods ({@code --k8s}) both read. In a pod the image's {@code
 * rundebug.sh} places the executable, the core and llnode (images/*&#47;rundebug.sh) the way {@link
 * #local} does here, and takes {@link #options} as its arguments.
 */
public enum DebuggerInvocation {
  /** lldb with llnode, the V8 plugin, loaded: JavaScript frames of a Node.js core. */
  LLDB_LLNODE(Debugger.LLDB, true, "--batch", "-o"),
  /** lldb alone. */
  LLDB(Debugger.LLDB, false, "--batch", "-o"),
  /** gdb, quiet. */
  GDB(Debugger.GDB, false, "-batch", "-ex"),
  /** jhsdb's command-line debugger, which takes no commands as arguments: they go to its stdin. */
  JHSDB(Debugger.JHSDB, false, null, null);

  /** The jhsdb subcommand that opens a core. */
  public static final String JHSDB_TOOL = "clhsdb";

  /**
   * The files to open.
   *
   * @param tool the debugger's executable
   * @param plugin llnode's shared object, for {@link #LLDB_LLNODE} (null: none)
   * @param sysroot the crashed process's own executable and libraries at their paths (kept with the
   *     dump), read instead of this machine's; null: this machine's
   */
  public record Files(
      Path tool, Path exe, Path core, @Nullable Path plugin, @Nullable Path sysroot) {
    /** The files without a sysroot: the debugger resolves libraries on this host. */
    public Files(Path tool, Path exe, Path core, @Nullable Path plugin) {
      this(tool, exe, core, plugin, null);
    }
  }

  /** The environment variable a debug image's rundebug.sh takes the sysroot from. */
  public static final String SYSROOT_ENV = "SYSROOT";

  private final Debugger debugger;
  private final boolean llnode;
  private final @Nullable String batchFlag;
  private final @Nullable String commandFlag;

  DebuggerInvocation(
      Debugger debugger, boolean llnode, @Nullable String batchFlag, @Nullable String commandFlag) {
    this.debugger = debugger;
    this.llnode = llnode;
    this.batchFlag = batchFlag;
    this.commandFlag = commandFlag;
  }

  /** The entry for {@code debugger}, with llnode for lldb when {@code llnode}. */
  public static DebuggerInvocation of(Debugger debugger, boolean llnode) {
    return switch (debugger) {
      case LLDB -> llnode ? LLDB_LLNODE : LLDB;
      case GDB -> GDB;
      case JHSDB -> JHSDB;
    };
  }

  /** The debugger this entry runs. */
  public Debugger debugger() {
    return debugger;
  }

  /** Whether llnode is loaded into lldb. */
  public boolean llnode() {
    return llnode;
  }

  /**
   * The debugger's own arguments: batch mode (run the commands, then exit) and the commands to run
   * first. jhsdb has neither; see {@link #stdin}.
   */
  public List<String> options(boolean batch, List<String> commands) {
    List<String> argv = new ArrayList<>();
    if (batch && batchFlag != null) {
      argv.add(batchFlag);
    }
    argv.addAll(commandArgs(commands));
    return List.copyOf(argv);
  }

  /** What to feed the debugger's stdin: jhsdb's batch commands, then quit; otherwise null. */
  public @Nullable String stdin(boolean batch, List<String> commands) {
    return commandFlag == null && batch ? String.join("\n", commands) + "\nquit\n" : null;
  }

  /** The lldb command that loads llnode from {@code plugin}. */
  public static String pluginLoad(Path plugin) {
    return "plugin load " + plugin;
  }

  /** The whole command line that opens {@code f} on this machine. */
  public List<String> local(Files f, boolean batch, List<String> commands) {
    List<String> argv = new ArrayList<>();
    argv.add(f.tool().toString());
    switch (debugger) {
      case LLDB -> {
        if (batch) {
          argv.add(batchFlag);
        }
        if (f.sysroot() != null) {
          // Before the target is made: lldb then resolves the core's modules in the sysroot.
          argv.addAll(List.of("-O", lldbSysroot(f.sysroot().toString())));
        }
        if (llnode && f.plugin() != null) {
          argv.add(commandFlag);
          argv.add(pluginLoad(f.plugin()));
        }
        argv.addAll(commandArgs(commands));
        argv.addAll(List.of("-c", f.core().toString(), f.exe().toString()));
      }
      case GDB -> {
        argv.add("-q");
        if (f.sysroot() != null) {
          argv.addAll(List.of("-iex", gdbSysroot(f.sysroot().toString())));
        }
        argv.addAll(options(batch, commands));
        argv.addAll(List.of(f.exe().toString(), f.core().toString()));
      }
      case JHSDB ->
          argv.addAll(
              List.of(JHSDB_TOOL, "--exe", f.exe().toString(), "--core", f.core().toString()));
    }
    return List.copyOf(argv);
  }

  /** lldb's command that reads a core's modules from {@code sysroot}. */
  public static String lldbSysroot(String sysroot) {
    return "platform select remote-linux --sysroot " + sysroot;
  }

  /** gdb's command that reads a core's libraries from {@code sysroot}. */
  public static String gdbSysroot(String sysroot) {
    return "set sysroot " + sysroot;
  }

  /** The environment jhsdb reads a core's libraries from {@code sysroot} with. */
  public static java.util.Map<String, String> jhsdbSysroot(String sysroot) {
    return java.util.Map.of("SA_ALTROOT", sysroot);
  }

  private List<String> commandArgs(List<String> commands) {
    List<String> argv = new ArrayList<>();
    if (commandFlag != null) {
      for (String c : commands) {
        argv.add(commandFlag);
        argv.add(c);
      }
    }
    return argv;
  }
}
