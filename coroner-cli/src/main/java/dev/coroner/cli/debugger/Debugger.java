package dev.coroner.cli.debugger;

import java.util.Locale;

/** The debuggers coroner can open a core in. */
public enum Debugger {
  LLDB("lldb", "apt-get install -y lldb liblldb-dev python3-lldb"),
  GDB("gdb", "apt-get install -y gdb"),
  JHSDB("jhsdb", "install the JDK the crashed program ran on (jhsdb ships in its bin/)");

  private final String command;
  private final String installHint;

  Debugger(String command, String installHint) {
    this.command = command;
    this.installHint = installHint;
  }

  /** The executable's name on the PATH. */
  public String command() {
    return command;
  }

  /** How to get it, for the message when it is missing. */
  public String installHint() {
    return installHint;
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
