package dev.coroner.cli.debugger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.cli.k8s.DebugKind;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One table for both places a core is opened: here, and in a debug pod's rundebug.sh. */
class DebuggerInvocationTest {
  private static final DebuggerInvocation.Files FILES =
      new DebuggerInvocation.Files(
          Path.of("/bin/dbg"), Path.of("/c/exe"), Path.of("/c/core"), Path.of("/p/llnode.so"));
  private static final List<String> COMMANDS = List.of("bt", "info threads");

  @Test
  void localAndPodSpeakTheSameOptions() {
    for (DebuggerInvocation d : DebuggerInvocation.values()) {
      for (boolean batch : new boolean[] {true, false}) {
        List<String> options = d.options(batch, COMMANDS);
        List<String> local = d.local(FILES, batch, COMMANDS);
        List<String> pod = DebugKind.of(d).invocation(batch, COMMANDS).argv();
        assertThat(pod)
            .as(d + " in a pod")
            .endsWith(concat(DebugKind.RUNDEBUG, options).toArray(String[]::new));
        for (int i = 0; i + 1 < options.size(); i += 2) {
          assertThat(Collections.indexOfSubList(local, options.subList(i, i + 2)))
              .as(d + " here: " + options.subList(i, i + 2))
              .isNotNegative();
        }
      }
    }
  }

  @Test
  void aPodsDebuggerGetsItsStdinCommandsFromAShellThere() throws Exception {
    List<String> argv = new java.util.ArrayList<>(DebugKind.JAVA.invocation(true, COMMANDS).argv());
    // The real sh, with cat standing in for rundebug.sh: what the debugger would read.
    argv.set(argv.size() - 1, "cat");
    Process p = new ProcessBuilder(argv).start();
    String read =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isZero();
    assertThat(read).isEqualTo(DebuggerInvocation.JHSDB.stdin(true, COMMANDS));
    assertThat(DebugKind.NODEJS.invocation(true, COMMANDS).argv()).startsWith(DebugKind.RUNDEBUG);
  }

  @Test
  void eachDebuggersWords() {
    assertThat(DebuggerInvocation.LLDB.options(true, COMMANDS))
        .containsExactly("--batch", "-o", "bt", "-o", "info threads");
    assertThat(DebuggerInvocation.GDB.options(false, COMMANDS))
        .containsExactly("-ex", "bt", "-ex", "info threads");
    assertThat(DebuggerInvocation.JHSDB.options(true, COMMANDS)).isEmpty();
    assertThat(DebuggerInvocation.JHSDB.stdin(true, COMMANDS))
        .isEqualTo("bt\ninfo threads\nquit\n");
    assertThat(DebuggerInvocation.JHSDB.stdin(false, COMMANDS)).isNull();
    assertThat(DebuggerInvocation.LLDB.stdin(true, COMMANDS)).isNull();
    assertThat(DebuggerInvocation.LLDB_LLNODE.local(FILES, false, List.of()))
        .containsExactly("/bin/dbg", "-o", "plugin load /p/llnode.so", "-c", "/c/core", "/c/exe");
    assertThat(DebuggerInvocation.LLDB.local(FILES, false, List.of()))
        .as("plain lldb loads no plugin")
        .containsExactly("/bin/dbg", "-c", "/c/core", "/c/exe");
    assertThat(DebuggerInvocation.JHSDB.local(FILES, true, COMMANDS))
        .containsExactly("/bin/dbg", "clhsdb", "--exe", "/c/exe", "--core", "/c/core");
  }

  @Test
  void aSysrootOfKeptFilesGoesBeforeTheTarget() {
    var files =
        new DebuggerInvocation.Files(
            Path.of("/bin/dbg"),
            Path.of("/c/exe"),
            Path.of("/c/core"),
            Path.of("/p/llnode.so"),
            Path.of("/s/root"));
    assertThat(DebuggerInvocation.LLDB_LLNODE.local(files, true, List.of("v8 bt")))
        .containsExactly(
            "/bin/dbg",
            "--batch",
            "-O",
            "platform select remote-linux --sysroot /s/root",
            "-o",
            "plugin load /p/llnode.so",
            "-o",
            "v8 bt",
            "-c",
            "/c/core",
            "/c/exe");
    assertThat(DebuggerInvocation.GDB.local(files, true, List.of("bt")))
        .containsExactly(
            "/bin/dbg",
            "-q",
            "-iex",
            "set sysroot /s/root",
            "-batch",
            "-ex",
            "bt",
            "/c/exe",
            "/c/core");
    assertThat(DebuggerInvocation.jhsdbSysroot("/s/root")).containsEntry("SA_ALTROOT", "/s/root");
  }

  @Test
  void everyEntryHasItsDebugImage() {
    assertThat(DebugKind.of(DebuggerInvocation.LLDB_LLNODE)).isEqualTo(DebugKind.NODEJS);
    assertThat(DebugKind.of(DebuggerInvocation.LLDB)).isEqualTo(DebugKind.NATIVE_LLDB);
    assertThat(DebugKind.of(DebuggerInvocation.GDB)).isEqualTo(DebugKind.NATIVE_GDB);
    assertThat(DebugKind.of(DebuggerInvocation.JHSDB)).isEqualTo(DebugKind.JAVA);
    assertThat(DebuggerInvocation.of(Debugger.LLDB, true))
        .isEqualTo(DebuggerInvocation.LLDB_LLNODE);
    assertThat(DebuggerInvocation.of(Debugger.GDB, true))
        .as("llnode is an lldb plugin")
        .isEqualTo(DebuggerInvocation.GDB);
  }

  private static List<String> concat(String first, List<String> rest) {
    List<String> all = new java.util.ArrayList<>(List.of(first));
    all.addAll(rest);
    return all;
  }
}
