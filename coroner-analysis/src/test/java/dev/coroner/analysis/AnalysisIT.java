package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real crashes, real cores from the kernel, real debuggers. */
class AnalysisIT {
  private static final Path EXAMPLE =
      Path.of("..", "examples", "crashing-nodejs-app").toAbsolutePath().normalize();
  private static final Path NODE = Path.of("/usr/bin/node");

  @TempDir static Path shared;
  @TempDir Path tmp;
  private static Analyzer analyzer;

  @BeforeAll
  static void analyzer() {
    // One cache for the class: the debug-stripped copy of node is made once.
    ToolPaths tools = ToolPaths.discover(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin"));
    assertThat(tools.euStack()).as("eu-stack (elfutils)").isNotNull();
    assertThat(tools.lldb()).as("lldb").isNotNull();
    assertThat(tools.llnode()).as("llnode").isNotNull();
    analyzer = new Analyzer(AnalyzerConfig.of(tools, shared.resolve("cache")), new ProcessRunner());
  }

  private Analysis crashNode(Path script) throws Exception {
    Path core =
        KernelCrash.crash(
            tmp.resolve("cores"),
            script.getParent(),
            NODE.toString(),
            "--abort-on-uncaught-exception",
            script.getFileName().toString());
    Analysis a = analyzer.analyze(core, NODE);
    Files.delete(core);
    System.out.printf("%s: %s in %d ms%n", script, a.topFrame(), a.durationMs());
    return a;
  }

  @Test
  void theExampleAppIsSignedByItsJavaScriptFrames() throws Exception {
    Analysis first = crashNode(EXAMPLE.resolve("index.js"));
    assertThat(first.problem()).isNull();
    assertThat(first.runtime()).isEqualTo("node");
    assertThat(first.tool()).isEqualTo("lldb+llnode");
    assertThat(first.topFrame()).startsWith("bar (index.js:");
    assertThat(first.frames()).extracting(Frame::function).contains("bar", "foo", "do_test");
    assertThat(first.signature()).matches("[0-9a-f]{16}");

    Analysis second = crashNode(EXAMPLE.resolve("index.js"));
    assertThat(second.signature()).isEqualTo(first.signature());
    assertThat(second.signature3()).isEqualTo(first.signature3());
    assertThat(second.topFrame()).isEqualTo(first.topFrame());

    // The same app elsewhere (another directory, like another image's WORKDIR) is the same bug.
    Path copy = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.copy(EXAMPLE.resolve("index.js"), copy.resolve("index.js"));
    assertThat(crashNode(copy.resolve("index.js")).signature()).isEqualTo(first.signature());

    // A changed app that throws from foo is another bug.
    Path changed = Files.createDirectories(tmp.resolve("changed"));
    String source = Files.readString(EXAMPLE.resolve("index.js"));
    String throwsInFoo = source.replace("  bar(input);\n", "  throw \"Boom from foo!\";\n");
    assertThat(throwsInFoo).isNotEqualTo(source);
    Files.writeString(changed.resolve("index.js"), throwsInFoo);
    Analysis other = crashNode(changed.resolve("index.js"));
    assertThat(other.topFrame()).startsWith("foo (index.js:");
    assertThat(other.signature()).isNotEqualTo(first.signature());
    assertThat(other.signature3()).isNotEqualTo(first.signature3());
  }

  @Test
  void aSegfaultNamesItsFunctionAndOneBugFromTwoCallersSharesOnlyTheCoarseSignature()
      throws Exception {
    Path segv = compileSegv();
    Analysis alpha = crashNative(segv, "alpha");
    assertThat(alpha.problem()).isNull();
    assertThat(alpha.runtime()).isEqualTo("native");
    assertThat(alpha.tool()).isEqualTo("eu-stack");
    assertThat(alpha.topFrame()).matches("crash_write \\(segv\\.c:\\d+\\)");
    Frame top = alpha.frames().stream().filter(Frame::inApp).findFirst().orElseThrow();
    assertThat(top.module()).isEqualTo("segv");
    assertThat(top.buildId()).matches("[0-9a-f]{40}");
    assertThat(top.offset()).startsWith("0x");
    assertThat(alpha.frames())
        .extracting(Frame::function)
        .containsSubsequence("crash_write", "store_record", "handle_request", "path_alpha", "main");

    Analysis beta = crashNative(segv, "beta");
    assertThat(beta.signature3()).isEqualTo(alpha.signature3());
    assertThat(beta.signature()).isNotEqualTo(alpha.signature());
    assertThat(crashNative(segv, "alpha").signature()).isEqualTo(alpha.signature());
  }

  @Test
  void theCrashingThreadIsTheSignalledOneNotTheFirst() throws Exception {
    Path segv = compileSegv();
    Analysis a = crashNative(segv, "beta", "thread");
    assertThat(a.problem()).isNull();
    assertThat(a.frames())
        .extracting(Frame::function)
        .containsSubsequence("crash_write", "path_beta", "worker")
        .doesNotContain("idle", "main");
  }

  private Path compileSegv() throws Exception {
    Path src = resource("programs/segv.c", tmp.resolve("segv.c"));
    KernelCrash.build(
        tmp,
        "gcc",
        "-O1",
        "-g",
        "-fno-omit-frame-pointer",
        "-pthread",
        "-o",
        "segv",
        src.toString());
    return tmp.resolve("segv");
  }

  private Analysis crashNative(Path exe, String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = exe.toString();
    System.arraycopy(args, 0, command, 1, args.length);
    Path core = KernelCrash.crash(tmp.resolve("cores"), tmp, command);
    Analysis a = analyzer.analyze(core, exe);
    Files.delete(core);
    System.out.printf(
        "segv %s: %s in %d ms%n", String.join(" ", args), a.topFrame(), a.durationMs());
    return a;
  }

  @Test
  void aJvmCrashInJniCodeShowsTheJavaFrames() throws Exception {
    Path jdk = Path.of(System.getProperty("java.home"));
    Path java = jdk.resolve("bin").resolve("java");
    assertThat(jdk.resolve("bin").resolve("jhsdb")).as("the test JDK's jhsdb").isExecutable();
    Path src = resource("programs/crashnative.c", tmp.resolve("crashnative.c"));
    KernelCrash.build(
        tmp,
        "gcc",
        "-O1",
        "-g",
        "-shared",
        "-fPIC",
        "-fno-omit-frame-pointer",
        "-I" + jdk.resolve("include"),
        "-I" + jdk.resolve("include/linux"),
        "-o",
        "libcrashnative.so",
        src.toString());
    Path crash = resource("programs/Crash.java", tmp.resolve("src/app/Crash.java"));
    assertThat(
            ToolProvider.getSystemJavaCompiler()
                .run(null, null, null, "-d", tmp.resolve("classes").toString(), crash.toString()))
        .isZero();

    Path core =
        KernelCrash.crash(
            tmp.resolve("cores"),
            tmp,
            java.toString(),
            "-Xmx64m",
            "-XX:ErrorFile=" + tmp.resolve("hs_err.log"),
            "-cp",
            tmp.resolve("classes").toString(),
            "app.Crash",
            tmp.resolve("libcrashnative.so").toString());
    Analysis a = analyzer.analyze(core, java);
    System.out.printf("JNI crash: %s in %d ms: %s%n", a.topFrame(), a.durationMs(), a.problem());
    assertThat(a.problem()).isNull();
    assertThat(a.runtime()).isEqualTo("java");
    assertThat(a.tool()).isEqualTo("eu-stack+jhsdb");
    assertThat(a.topFrame()).matches("poke \\(crashnative\\.c:\\d+\\)");
    assertThat(a.frames())
        .extracting(Frame::function)
        .containsSubsequence(
            "poke",
            "Java_app_Crash_nativeWrite",
            "app.Crash.nativeWrite",
            "app.Crash.writeRecord",
            "app.Crash.handle",
            "app.Crash.main");
    assertThat(a.frames().stream().filter(f -> Frame.JAVA.equals(f.kind())).map(Frame::line))
        .contains(7, 11, 16);
  }

  @Test
  void aLibraryGoneFromItsPathIsReadFromTheSysrootByItsBuildId() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("app"));
    Files.writeString(dir.resolve("lib.c"), "void lib_crash(int *p) { *p = 42; }\n");
    Files.writeString(
        dir.resolve("main.c"), "void lib_crash(int *p);\nint main(void) { lib_crash(0); }\n");
    KernelCrash.build(dir, "gcc", "-g", "-shared", "-fPIC", "-o", "libgone.so", "lib.c");
    KernelCrash.build(
        dir, "gcc", "-g", "-o", "main", "main.c", "-L.", "-lgone", "-Wl,-rpath," + dir);
    // The kernel's default coredump_filter (0x33), not the 0x37 this JVM's children inherit
    // (HotSpot adds file-backed private mappings for CDS): with those pages in the core, elfutils
    // builds the library from the core's memory and never looks for it by build-id.
    Path core =
        KernelCrash.crash(
            tmp.resolve("cores"),
            dir,
            "sh",
            "-c",
            "echo 0x33 > /proc/self/coredump_filter && exec " + dir.resolve("main"));

    List<CoreModules.Module> modules = CoreModules.read(core);
    CoreModules.Module lib =
        modules.stream().filter(m -> m.path().endsWith("/libgone.so")).findFirst().orElseThrow();
    assertThat(lib.buildId()).isEqualTo(buildIdOf(dir.resolve("libgone.so")));
    assertThat(modules.get(0).path()).isEqualTo(dir.resolve("main").toString());
    assertThat(modules.get(0).buildId()).isEqualTo(buildIdOf(dir.resolve("main")));
    assertThat(modules)
        .filteredOn(m -> m.path().contains("libc.so"))
        .singleElement()
        .satisfies(m -> assertThat(m.buildId()).matches("[0-9a-f]{40}"));

    // The library leaves its path (an image that is gone); a kept copy is all there is.
    Path kept = Files.move(dir.resolve("libgone.so"), tmp.resolve("kept-libgone.so"));
    Analysis without = analyzer.analyze(core, dir.resolve("main"));
    assertThat(without.topFrame()).doesNotStartWith("lib_crash");
    Path sysroot =
        Sysroots.create(
            tmp.resolve("sysroot"), List.of(new Sysroots.Entry(lib.path(), lib.buildId(), kept)));
    Analysis with = analyzer.analyze(core, dir.resolve("main"), sysroot);
    System.out.printf(
        "gone library: %s without, %s with the sysroot%n", without.topFrame(), with.topFrame());
    assertThat(with.topFrame()).matches("lib_crash \\(lib\\.c:1\\)");
    assertThat(Files.readSymbolicLink(sysroot.resolve(lib.path().substring(1)))).isEqualTo(kept);
  }

  private static String buildIdOf(Path elf) throws IOException {
    return ElfNotes.buildId(elf);
  }

  private static Path resource(String name, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    try (InputStream in = AnalysisIT.class.getResourceAsStream(name)) {
      Files.copy(in, to);
    }
    return to;
  }
}
