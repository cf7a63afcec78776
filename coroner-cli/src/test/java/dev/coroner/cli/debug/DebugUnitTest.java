package dev.coroner.cli.debug;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.cli.TestDumps;
import dev.coroner.cli.debugger.Debugger;
import dev.coroner.cli.demo.DemoCommandAccess;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DebugUnitTest {
  private static final DebuggerLaunch.Target TARGET =
      new DebuggerLaunch.Target(
          Path.of("/usr/bin/lldb"),
          Path.of("/c/node"),
          Path.of("/c/x.core"),
          Path.of("/p/llnode.so"),
          "/py");

  @Test
  void lldbLoadsThePluginThenRunsTheCommands() {
    var l = DebuggerLaunch.of(Debugger.LLDB, TARGET, true, List.of("v8 bt"));
    assertThat(l.command())
        .containsExactly(
            "/usr/bin/lldb",
            "--batch",
            "-o",
            "plugin load /p/llnode.so",
            "-o",
            "v8 bt",
            "-c",
            "/c/x.core",
            "/c/node");
    assertThat(l.env()).containsEntry("PYTHONPATH", "/py");
    assertThat(l.stdin()).isNull();
  }

  @Test
  void gdbAndJhsdb() {
    var gdb = DebuggerLaunch.of(Debugger.GDB, TARGET, true, List.of("bt"));
    assertThat(gdb.command())
        .containsExactly("/usr/bin/lldb", "-q", "-batch", "-ex", "bt", "/c/node", "/c/x.core");
    var jhsdb = DebuggerLaunch.of(Debugger.JHSDB, TARGET, true, List.of("jstack"));
    assertThat(jhsdb.command()).contains("clhsdb", "--exe", "/c/node", "--core", "/c/x.core");
    assertThat(jhsdb.stdin()).isEqualTo("jstack\nquit\n");
    assertThat(DebuggerLaunch.of(Debugger.JHSDB, TARGET, false, List.of()).stdin()).isNull();
  }

  @Test
  void runtimeFromTheNameOrTheMappedLibraries() {
    Instant t = Instant.EPOCH;
    var node = TestDumps.dump("1", t, "node", 5, null, false).info();
    var java = TestDumps.dump("2", t, "java", 6, null, false).info();
    var app = TestDumps.dump("3", t, "myapp", 11, null, false).info();
    assertThat(AppRuntime.detect(node, "")).isEqualTo(AppRuntime.NODE);
    assertThat(AppRuntime.detect(java, "")).isEqualTo(AppRuntime.JAVA);
    assertThat(AppRuntime.detect(app, "7f00 r-xp /usr/lib/x86_64-linux-gnu/libc.so.6"))
        .isEqualTo(AppRuntime.NATIVE);
    assertThat(AppRuntime.detect(app, "7f00 r-xp /opt/jdk/lib/server/libjvm.so"))
        .isEqualTo(AppRuntime.JAVA);
    assertThat(AppRuntime.detect(app, "7f00 r-xp /usr/lib/libnode.so.108"))
        .isEqualTo(AppRuntime.NODE);
    assertThat(AppRuntime.NODE.debugger()).isEqualTo(Debugger.LLDB);
    assertThat(AppRuntime.NATIVE.debugger()).isEqualTo(Debugger.GDB);
  }

  @Test
  void barsFrameIsFoundInTheBacktrace() {
    String bt =
        "    frame #5: 0x0000000001a222fa <stub>\n"
            + "    frame #6: 0x00000000018cfd1c bar(this=0xe98:<Global proxy>) at index.js:11:13\n"
            + "    frame #7: 0x00000000018cfd1c foo(this=0xe98:<Global proxy>) at index.js:7:13\n";
    assertThat(DemoCommandAccess.barFrame(bt)).isEqualTo(6);
    assertThat(DemoCommandAccess.barFrame("frame #1: 0x1 node`main")).isNull();
  }
}
