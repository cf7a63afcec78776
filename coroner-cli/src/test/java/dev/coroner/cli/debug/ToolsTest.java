package dev.coroner.cli.debug;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.cli.debugger.Debugger;
import dev.coroner.cli.errors.CliException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolsTest {
  @Test
  void aMissingDebuggerSaysHowToInstallIt() {
    Tools none = new Tools(Map.of("PATH", "/nonexistent"));
    assertThatThrownBy(() -> none.require("lldb", Debugger.LLDB.installHint()))
        .isInstanceOf(CliException.class)
        .hasMessage("lldb is not installed; run: apt-get install -y lldb liblldb-dev python3-lldb");
    assertThatThrownBy(() -> none.require("gdb", Debugger.GDB.installHint()))
        .hasMessage("gdb is not installed; run: apt-get install -y gdb");
  }
}
