package dev.coroner.analysis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads a core's crashing thread with the debugger that fits its runtime and signs it. Meant to run
 * after the capture, never on the dying process's path. It never throws for a bad core or a missing
 * or failing debugger: the {@link Analysis} says what went wrong in {@code problem}.
 */
public final class Analyzer {
  /** The most frames an {@link Analysis} keeps (more when the signature reaches deeper). */
  public static final int MAX_FRAMES = 64;

  /** The most frames read per thread: eu-stack's own default. */
  static final int READ_FRAMES = 256;

  private final AnalyzerConfig config;
  private final CommandRunner runner;

  public Analyzer(AnalyzerConfig config, CommandRunner runner) {
    this.config = config;
    this.runner = runner;
  }

  /** The frames a debugger printed, the tools that printed them, and what went wrong. */
  private record Stack(List<Frame> frames, String tool, List<String> problems) {}

  /**
   * Analyzes {@code core}, written by a crash of {@code exe} (the executable as this host sees it;
   * null to take the first file the core mapped).
   */
  public Analysis analyze(Path core, @Nullable Path exe) throws InterruptedException {
    return analyze(core, exe, null);
  }

  /**
   * Analyzes {@code core} with the process's own files from {@code sysroot} rather than this
   * host's: a directory that holds them at the paths the process mapped them from, and a {@code
   * .build-id/xx/rest} tree of the same files ({@link Sysroots}). A node agent analyzes a
   * container's core with the container's libraries this way; null for this host's files.
   */
  public Analysis analyze(Path core, @Nullable Path exe, @Nullable Path sysroot)
      throws InterruptedException {
    long start = System.nanoTime();
    CoreNotes notes;
    try {
      notes = CoreNotes.read(core);
    } catch (IOException e) {
      return Analysis.failed(
          RuntimeKind.detect(exe, List.of()).id(), "none", millis(start), e.getMessage());
    }
    Path program = exe != null ? exe : firstMapped(notes);
    RuntimeKind runtime = RuntimeKind.detect(program, notes.files());
    Stack stack =
        switch (runtime) {
          case NODE -> node(core, program, notes, sysroot);
          case JAVA -> java(core, program, notes, sysroot);
          case NATIVE -> euStack(core, program, notes, sysroot);
        };
    List<String> problems = new ArrayList<>(stack.problems());
    Signature sig = Signature.of(runtime, program, notes.files(), stack.frames());
    if (sig.signature() == null && problems.isEmpty()) {
      problems.add("no frame of the crashing thread could be named");
    }
    return new Analysis(
        runtime.id(),
        kept(sig.frames()),
        sig.topFrame(),
        sig.signature(),
        sig.signature3(),
        stack.tool(),
        millis(start),
        problems.isEmpty() ? null : String.join("; ", problems));
  }

  private Stack euStack(Path core, @Nullable Path exe, CoreNotes notes, @Nullable Path sysroot)
      throws InterruptedException {
    Path euStack = config.tools().euStack();
    if (euStack == null) {
      return new Stack(List.of(), "eu-stack", List.of("eu-stack is not installed (elfutils)"));
    }
    List<String> argv = new ArrayList<>();
    argv.addAll(
        List.of(euStack.toString(), "-b", "-m", "-i", "-s", "-n", String.valueOf(READ_FRAMES)));
    argv.add("--core=" + core);
    if (sysroot != null) {
      // libdwfl finds a module's ELF by build-id in DIR/.build-id/xx/rest of each path entry
      // before it tries the NT_FILE path; the rest is elfutils' default path.
      argv.add("--debuginfo-path=" + sysroot + "::.debug:/usr/lib/debug");
    }
    if (exe != null && Files.isRegularFile(exe)) {
      argv.add("-e");
      argv.add(exe.toString());
    }
    List<String> problems = new ArrayList<>();
    CommandRunner.Result r = run(argv, Map.of(), problems);
    if (r == null) {
      return new Stack(List.of(), "eu-stack", problems);
    }
    // 1 is "some frames had errors" (the unwinder stopped early): the frames shown are good.
    if (r.exitCode() > 1) {
      problems.add("eu-stack failed (exit " + r.exitCode() + "): " + firstLine(r.stderr()));
    }
    List<ThreadStack> stacks = EuStackParser.parse(r.stdout(), READ_FRAMES);
    return new Stack(crashingThread(stacks, notes, "eu-stack", problems), "eu-stack", problems);
  }

  private Stack node(Path core, @Nullable Path exe, CoreNotes notes, @Nullable Path sysroot)
      throws InterruptedException {
    ToolPaths t = config.tools();
    String missing = missingForNode(exe);
    if (missing != null) {
      Stack fallback = euStack(core, exe, notes, sysroot);
      return withProblem(fallback, missing + ": native frames only, no JavaScript frames");
    }
    // missingForNode has checked both.
    Path binary = StrippedExe.of(Objects.requireNonNull(exe, "exe"), config, runner);
    List<String> argv = new ArrayList<>();
    argv.addAll(
        List.of(
            Objects.requireNonNull(t.lldb(), "lldb").toString(),
            "--batch",
            "--no-lldbinit",
            "--no-use-colors"));
    if (sysroot != null) {
      // Before the target exists: lldb then resolves every module the core names in the sysroot.
      argv.addAll(List.of("-O", "platform select remote-linux --sysroot " + sysroot));
    }
    argv.addAll(
        List.of(
            "-o",
            "plugin load " + t.llnode(),
            "-o",
            "v8 bt",
            "-c",
            core.toString(),
            binary.toString()));
    Map<String, String> env =
        t.lldbPythonPath() == null ? Map.of() : Map.of("PYTHONPATH", t.lldbPythonPath());
    List<String> problems = new ArrayList<>();
    CommandRunner.Result r = run(argv, env, problems);
    ThreadStack stack = r == null ? null : V8BtParser.parse(r.stdout(), READ_FRAMES);
    if (r == null || stack == null || stack.frames().isEmpty()) {
      String why = r == null ? String.join("; ", problems) : firstError(r);
      return withProblem(
          euStack(core, exe, notes, sysroot), "lldb+llnode gave no backtrace: " + why);
    }
    if (stack.tid() != notes.crashingTid()) {
      problems.add(
          "lldb showed thread " + stack.tid() + ", the crashing thread is " + notes.crashingTid());
    }
    if (stack.frames().stream().noneMatch(f -> Frame.JS.equals(f.kind()))) {
      problems.add("llnode found no JavaScript frames: " + firstError(r));
    }
    return new Stack(stack.frames(), "lldb+llnode", problems);
  }

  private @Nullable String missingForNode(@Nullable Path exe) {
    if (config.tools().lldb() == null) {
      return "lldb is not installed";
    }
    if (config.tools().llnode() == null) {
      return "llnode is not installed (npm install -g llnode)";
    }
    if (exe == null || !Files.isRegularFile(exe)) {
      return "no node executable at " + exe;
    }
    return null;
  }

  private Stack java(Path core, @Nullable Path exe, CoreNotes notes, @Nullable Path sysroot)
      throws InterruptedException {
    Stack nativeStack = euStack(core, exe, notes, sysroot);
    // The crashed JVM's own jhsdb: the serviceability agent reads only its own version's VM.
    Path jhsdb = exe == null ? null : exe.resolveSibling("jhsdb");
    if (exe == null || jhsdb == null || !Files.isExecutable(jhsdb)) {
      return withProblem(nativeStack, "no jhsdb next to " + exe + ": no Java frames");
    }
    List<String> problems = new ArrayList<>(nativeStack.problems());
    List<String> argv =
        List.of(jhsdb.toString(), "jstack", "--core", core.toString(), "--exe", exe.toString());
    // The serviceability agent reads the libraries the core names under SA_ALTROOT.
    Map<String, String> env = sysroot == null ? Map.of() : Map.of("SA_ALTROOT", sysroot.toString());
    CommandRunner.Result r = run(argv, env, problems);
    List<Frame> javaFrames = List.of();
    if (r != null) {
      List<ThreadStack> stacks = JStackParser.parse(r.stdout(), READ_FRAMES);
      ThreadStack s = ThreadStack.find(stacks, notes.crashingTid());
      if (stacks.isEmpty() || r.exitCode() != 0) {
        // Typically a jhsdb of another JDK: the serviceability agent reads its own VM version only.
        problems.add("jhsdb failed (exit " + r.exitCode() + "): " + firstError(r));
      }
      // A JVM thread with no Java frames (GC, compiler) is no problem: there are none to show.
      javaFrames = s == null ? List.of() : s.frames();
    }
    List<Frame> merged = JavaFrames.merge(nativeStack.frames(), javaFrames);
    return new Stack(merged, "eu-stack+jhsdb", problems);
  }

  /** The crashing thread's stack; the first one, with a problem, when it is not there. */
  private static List<Frame> crashingThread(
      List<ThreadStack> stacks, CoreNotes notes, String tool, List<String> problems) {
    ThreadStack s = ThreadStack.find(stacks, notes.crashingTid());
    if (s != null) {
      return s.frames();
    }
    if (stacks.isEmpty()) {
      problems.add(tool + " printed no thread");
      return List.of();
    }
    problems.add(
        "the crashing thread "
            + notes.crashingTid()
            + " is not in "
            + tool
            + "'s output; thread "
            + stacks.get(0).tid()
            + " shown");
    return stacks.get(0).frames();
  }

  /** Runs a debugger; null when it could not start. That, a timeout or cut output is noted. */
  private CommandRunner.@Nullable Result run(
      List<String> argv, Map<String, String> env, List<String> problems)
      throws InterruptedException {
    Map<String, String> all = new HashMap<>(env);
    // elfutils and newer LLVM fetch debug info over the network when this names a server: never
    // from a node agent, and never for as long as it takes.
    all.put("DEBUGINFOD_URLS", "");
    var command = new CommandRunner.Command(argv, all, config.timeout(), config.maxOutputBytes());
    CommandRunner.Result r;
    try {
      r = runner.run(command);
    } catch (IOException e) {
      problems.add(command.program() + " could not start: " + e.getMessage());
      return null;
    }
    if (r.timedOut()) {
      problems.add(command.program() + " timed out after " + config.timeout().toSeconds() + " s");
    } else if (r.truncated()) {
      problems.add(
          command.program() + " printed more than " + config.maxOutputBytes() + " bytes; cut");
    }
    return r;
  }

  /** The first {@value #MAX_FRAMES} frames, or as many as the signature used. */
  private static List<Frame> kept(List<Frame> frames) {
    int end = Math.min(frames.size(), MAX_FRAMES);
    int counted = 0;
    boolean anyInApp = frames.stream().anyMatch(Frame::inApp);
    for (int i = 0; i < frames.size() && counted < Signature.FULL; i++) {
      Frame f = frames.get(i);
      if (f.key() != null && (f.inApp() || !anyInApp)) {
        counted++;
        end = Math.max(end, i + 1);
      }
    }
    return frames.subList(0, end);
  }

  private static Stack withProblem(Stack s, String problem) {
    List<String> problems = new ArrayList<>();
    problems.add(problem);
    problems.addAll(s.problems());
    return new Stack(s.frames(), s.tool(), problems);
  }

  private static @Nullable Path firstMapped(CoreNotes notes) {
    return notes.files().isEmpty() ? null : Path.of(notes.files().get(0));
  }

  /** The first line that reads like an error, else the first line of stderr. */
  private static String firstError(CommandRunner.Result r) {
    for (String line : (r.stdout() + "\n" + r.stderr()).split("\n")) {
      if (line.startsWith("error:") || line.contains("Error") || line.contains("Exception")) {
        return Text.cap(line.strip(), 200);
      }
    }
    return firstLine(r.stderr());
  }

  private static String firstLine(String s) {
    String line = s == null ? "" : s.strip().lines().findFirst().orElse("");
    return line.isEmpty() ? "(no message)" : Text.cap(line, 200);
  }

  private static long millis(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }
}
