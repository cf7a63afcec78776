package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analysis end to end on recorded debugger output: which tool runs, what is merged, what is
 * said.
 */
class AnalyzerTest {
  @TempDir Path tmp;
  private final Replay replay = new Replay();
  private ToolPaths tools;

  /** Answers each program (by file name) with recorded output, and remembers the commands. */
  static final class Replay implements CommandRunner {
    final Map<String, Result> answers = new HashMap<>();
    final List<Command> commands = new ArrayList<>();

    void answer(String program, String stdout) {
      answers.put(program, new Result(0, stdout, "", false, false, 5));
    }

    @Override
    public Result run(Command command) throws IOException {
      commands.add(command);
      Result r = answers.get(command.program());
      if (r == null) {
        throw new IOException("Cannot run program \"" + command.argv().get(0) + "\"");
      }
      return r;
    }

    List<String> programs() {
      return commands.stream().map(Command::program).toList();
    }
  }

  @BeforeEach
  void tools() {
    tools =
        new ToolPaths(
            Path.of("/usr/bin/eu-stack"),
            Path.of("/usr/bin/lldb"),
            Path.of("/usr/lib/node_modules/llnode/llnode.so"),
            "/usr/lib/llvm-14/lib/python3.11/dist-packages",
            null);
  }

  private Analyzer analyzer() {
    return new Analyzer(AnalyzerConfig.of(tools, null), replay);
  }

  private Path exe(String relative) throws IOException {
    Path p = tmp.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, "");
    p.toFile().setExecutable(true);
    return p;
  }

  @Test
  void aNativeCrashReadsTheSignalledThreadFromEuStack() throws Exception {
    Path core = new SyntheticElf().thread(8856, 11).thread(8853, 11).write(tmp.resolve("core"));
    Path segv = exe("segv");
    replay.answer("eu-stack", Resources.text("eustack-segv-threads.txt"));
    Analysis a = analyzer().analyze(core, segv);
    assertThat(a.runtime()).isEqualTo("native");
    assertThat(a.tool()).isEqualTo("eu-stack");
    assertThat(a.problem()).isNull();
    assertThat(a.topFrame()).isEqualTo("crash_write (segv.c:10)");
    assertThat(a.frames()).extracting(Frame::function).contains("worker").doesNotContain("idle");
    assertThat(a.signature()).matches("[0-9a-f]{16}");
    CommandRunner.Command c = replay.commands.get(0);
    assertThat(c.argv()).contains("--core=" + core, "-e", segv.toString(), "-b", "-m", "-i", "-s");
    assertThat(c.env()).containsEntry("DEBUGINFOD_URLS", "");
  }

  @Test
  void whenTheCrashingThreadIsMissingTheFirstIsShownAndSaid() throws Exception {
    Path core = new SyntheticElf().thread(1234, 11).write(tmp.resolve("core"));
    replay.answer("eu-stack", Resources.text("eustack-segv-threads.txt"));
    Analysis a = analyzer().analyze(core, exe("segv"));
    assertThat(a.problem())
        .isEqualTo("the crashing thread 1234 is not in eu-stack's output; thread 8856 shown");
    assertThat(a.topFrame()).startsWith("crash_write");
  }

  @Test
  void aNodeCrashReadsTheJavaScriptFramesWithLlnode() throws Exception {
    Path core = new SyntheticElf().thread(8418, 5).write(tmp.resolve("core"));
    Path node = exe("bin/node");
    replay.answer("lldb", Resources.text("v8bt-uncaught.txt"));
    Analysis a = analyzer().analyze(core, node);
    assertThat(a.runtime()).isEqualTo("node");
    assertThat(a.tool()).isEqualTo("lldb+llnode");
    assertThat(a.problem()).isNull();
    assertThat(a.topFrame()).isEqualTo("bar (index.js:11)");
    assertThat(a.frames()).extracting(Frame::function).contains("bar", "foo", "do_test");
    assertThat(replay.programs()).containsExactly("lldb");
    CommandRunner.Command c = replay.commands.get(0);
    assertThat(c.argv())
        .containsSubsequence(
            "--batch",
            "-o",
            "plugin load /usr/lib/node_modules/llnode/llnode.so",
            "-o",
            "v8 bt",
            "-c",
            core.toString(),
            node.toString());
    assertThat(c.env())
        .containsEntry("PYTHONPATH", "/usr/lib/llvm-14/lib/python3.11/dist-packages");
  }

  @Test
  void withoutLlnodeANodeCrashStillGetsItsNativeFrames() throws Exception {
    tools = new ToolPaths(tools.euStack(), tools.lldb(), null, null, null);
    Path core = new SyntheticElf().thread(8418, 5).write(tmp.resolve("core"));
    replay.answer("eu-stack", Resources.text("eustack-node.txt"));
    Analysis a = analyzer().analyze(core, exe("node"));
    assertThat(a.tool()).isEqualTo("eu-stack");
    assertThat(a.problem()).startsWith("llnode is not installed").contains("no JavaScript frames");
    assertThat(a.frames()).isNotEmpty();
  }

  @Test
  void whenLldbFailsTheAnalysisFallsBackToEuStack() throws Exception {
    Path core = new SyntheticElf().thread(8418, 5).write(tmp.resolve("core"));
    replay.answers.put(
        "lldb",
        new CommandRunner.Result(
            1, "(lldb) plugin load x\n", "error: no such file x\n", false, false, 3));
    replay.answer("eu-stack", Resources.text("eustack-node.txt"));
    Analysis a = analyzer().analyze(core, exe("node"));
    assertThat(a.tool()).isEqualTo("eu-stack");
    assertThat(a.problem()).startsWith("lldb+llnode gave no backtrace: error: no such file x");
    assertThat(replay.programs()).containsExactly("lldb", "eu-stack");
  }

  @Test
  void aJvmCrashMergesJhsdbsJavaFramesIntoEuStacksNativeOnes() throws Exception {
    Path core =
        new SyntheticElf()
            .thread(9374, 6)
            .files(tmp + "/jdk/bin/java", tmp + "/jdk/lib/server/libjvm.so")
            .write(tmp.resolve("core"));
    Path java = exe("jdk/bin/java");
    exe("jdk/bin/jhsdb");
    replay.answer("eu-stack", Resources.text("eustack-jni.txt"));
    replay.answer("jhsdb", Resources.text("jstack17-jni.txt"));
    Analysis a = analyzer().analyze(core, java);
    assertThat(a.runtime()).isEqualTo("java");
    assertThat(a.tool()).isEqualTo("eu-stack+jhsdb");
    assertThat(a.problem()).isNull();
    assertThat(a.topFrame()).isEqualTo("poke (crashnative.c:3)");
    assertThat(a.frames())
        .extracting(Frame::function)
        .containsSubsequence(
            "poke",
            "Java_app_Crash_nativeWrite",
            "app.Crash.nativeWrite",
            "app.Crash.writeRecord",
            "app.Crash.handle",
            "app.Crash.main",
            "JavaCalls::call_helper(JavaValue*, methodHandle const&, JavaCallArguments*, JavaThread*)");
    assertThat(a.frames()).noneMatch(Frame::anonymous);
    assertThat(replay.commands.get(1).argv())
        .containsExactly(
            tmp + "/jdk/bin/jhsdb", "jstack", "--core", core.toString(), "--exe", java.toString());
  }

  @Test
  void aJhsdbOfAnotherJdkFailsAndSaysSo() throws Exception {
    Path core = new SyntheticElf().thread(9374, 6).write(tmp.resolve("core"));
    Path java = exe("jdk/bin/java");
    exe("jdk/bin/jhsdb");
    replay.answer("eu-stack", Resources.text("eustack-jni.txt"));
    replay.answers.put(
        "jhsdb",
        new CommandRunner.Result(
            1, Resources.text("jstack25-on-jdk17-core.txt"), "", false, false, 400));
    Analysis a = analyzer().analyze(core, java);
    assertThat(a.problem())
        .isEqualTo(
            "jhsdb failed (exit 1): Error attaching to core file: Can't attach to the core file. For"
                + " more information, export LIBSAPROC_DEBUG=1 and try again.");
    assertThat(a.topFrame()).isEqualTo("poke (crashnative.c:3)");
    assertThat(a.frames()).noneMatch(f -> Frame.JAVA.equals(f.kind()));
  }

  @Test
  void aJvmWithoutJhsdbHasNativeFramesOnly() throws Exception {
    Path core = new SyntheticElf().thread(9374, 6).write(tmp.resolve("core"));
    Path java = exe("jre/bin/java");
    replay.answer("eu-stack", Resources.text("eustack-jni.txt"));
    Analysis a = analyzer().analyze(core, java);
    assertThat(a.problem()).isEqualTo("no jhsdb next to " + java + ": no Java frames");
    assertThat(a.topFrame()).isEqualTo("poke (crashnative.c:3)");
  }

  @Test
  void aTimeoutIsAProblemNotAnException() throws Exception {
    Path core = new SyntheticElf().thread(1, 11).write(tmp.resolve("core"));
    replay.answers.put("eu-stack", new CommandRunner.Result(-1, "", "", true, false, 120_000));
    Analysis a =
        new Analyzer(new AnalyzerConfig(tools, null, Duration.ofSeconds(120), 1 << 20), replay)
            .analyze(core, exe("segv"));
    assertThat(a.problem()).isEqualTo("eu-stack timed out after 120 s; eu-stack printed no thread");
    assertThat(a.signature()).isNull();
    assertThat(a.frames()).isEmpty();
  }

  @Test
  void noEuStackNoCoreNoProblemHidden() throws Exception {
    tools = new ToolPaths(null, null, null, null, null);
    Path core = new SyntheticElf().thread(1, 11).write(tmp.resolve("core"));
    assertThat(analyzer().analyze(core, exe("segv")).problem())
        .isEqualTo("eu-stack is not installed (elfutils)");
    Path notCore = Files.writeString(tmp.resolve("not-a-core"), "x".repeat(100));
    Analysis a = analyzer().analyze(notCore, exe("segv"));
    assertThat(a.problem()).contains("not an ELF file");
    assertThat(a.tool()).isEqualTo("none");
    assertThat(replay.commands).isEmpty();
  }

  @Test
  void withoutAnExecutableTheCoresFirstMappedFileIsUsed() throws Exception {
    Path segv = exe("opt/segv");
    Path core =
        new SyntheticElf().thread(8856, 11).files(segv.toString()).write(tmp.resolve("core"));
    replay.answer("eu-stack", Resources.text("eustack-segv-threads.txt"));
    analyzer().analyze(core, null);
    assertThat(replay.commands.get(0).argv()).contains("-e", segv.toString());
  }
}
