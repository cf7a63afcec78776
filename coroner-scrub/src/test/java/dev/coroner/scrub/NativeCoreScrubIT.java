package dev.coroner.scrub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real native crash (kernel core of src/test/resources/secret-c) with secrets on its heap, its
 * stack and in its environment: scrubbed, none remains, and gdb still names every function of the
 * backtrace, libc's included, with the heap dropped too.
 */
class NativeCoreScrubIT {
  private static final Map<String, String> SECRETS = new LinkedHashMap<>();

  static {
    SECRETS.put("card", Secrets.VISA);
    SECRETS.put("aws key id", Secrets.AWS_ID);
    SECRETS.put("aws secret key", Secrets.AWS_SECRET);
    SECRETS.put("password", "Zq8-xv2LmP-4nKw");
    SECRETS.put("token", "tok-9f8e7d6c5b4a");
  }

  @TempDir static Path tmp;
  private static Path exe;
  private static Path core;
  private static byte[] environ;

  @BeforeAll
  static void crash() throws Exception {
    Path src = Path.of(NativeCoreScrubIT.class.getResource("/secret-c/secrets.c").toURI());
    exe = tmp.resolve("secrets");
    String cc =
        KernelCrash.run(tmp, Map.of(), "gcc", "-O0", "-g", "-o", exe.toString(), src.toString());
    assertThat(exe).as(cc).isExecutable();
    String line =
        "card="
            + SECRETS.get("card")
            + " id="
            + SECRETS.get("aws key id")
            + " aws_secret_access_key="
            + SECRETS.get("aws secret key")
            + "\n";
    // The key id and the card come on stdin only: the rules alone must find them. The secret key
    // is also where the AWS SDKs read it, in the environment: pieces of it (a partial copy on the
    // stack, after "key=") are found only as pieces of a known value.
    Map<String, String> env =
        Map.of(
            "DB_PASSWORD",
            SECRETS.get("password"),
            "API_TOKEN",
            SECRETS.get("token"),
            "AWS_SECRET_ACCESS_KEY",
            SECRETS.get("aws secret key"));
    ProcessBuilder pb = new ProcessBuilder(exe.toString()).directory(tmp.toFile());
    pb.environment().putAll(env);
    core =
        KernelCrash.crash(
            tmp,
            pb,
            p -> {
              // What the composer reads from /proc before the core streams: the program's own,
              // once the spawn helper and the shell have exec'd it (before that, /proc/PID is
              // theirs, and a busy machine can show it: the scrub then lacks the values).
              Path proc = Path.of("/proc/" + p.pid());
              org.awaitility.Awaitility.await()
                  .atMost(java.time.Duration.ofSeconds(30))
                  .ignoreExceptions()
                  .until(
                      () -> Files.readSymbolicLink(proc.resolve("exe")).equals(exe.toRealPath()));
              environ = Files.readAllBytes(proc.resolve("environ"));
              try (OutputStream in = p.getOutputStream()) {
                in.write(line.getBytes(StandardCharsets.US_ASCII));
              }
            });
  }

  private static List<String> remaining(Path file) throws Exception {
    byte[] data = Files.readAllBytes(file);
    List<String> found = new ArrayList<>();
    SECRETS.forEach((name, value) -> found.addAll(CoreSearch.find(data, name, value)));
    return found;
  }

  private static String gdbBacktrace(Path file) throws Exception {
    String out =
        KernelCrash.run(
            tmp,
            Map.of(),
            "gdb",
            "-batch",
            "-ex",
            "bt",
            "-ex",
            "info sharedlibrary",
            "-ex",
            "info threads",
            exe.toString(),
            file.toString());
    System.out.println(out);
    return out;
  }

  @Test
  void theCoreHoldsTheSecrets() throws Exception {
    assertThat(remaining(core)).hasSizeGreaterThanOrEqualTo(SECRETS.size());
  }

  @Test
  void scrubbedNothingRemainsAndGdbNamesTheFunctions() throws Exception {
    Path p = Files.copy(core, tmp.resolve("scrubbed.core"));
    ScrubOptions o = ScrubOptions.defaults().withEnvSecrets(EnvSecrets.fromEnviron(environ));
    ScrubReport r = Scrubber.of(o).scrubCore(p);
    System.out.println("scrubbed: " + r.summary());
    assertThat(r.complete()).as(r.summary()).isTrue();
    assertThat(remaining(p)).isEmpty();
    byte[] data = Files.readAllBytes(p);
    SECRETS.forEach(
        (name, value) ->
            assertThat(CoreSearch.findPieces(data, name, value, Candidates.PIECE)).isEmpty());
    assertThat(Files.size(p)).isEqualTo(Files.size(core));
    assertThat(gdbBacktrace(p))
        .contains("crash_now", "parse_card", "handle_request", "main")
        .as("the blanked argument, seen through the scrubbed stack")
        .contains("'*' <repeats 16 times>");
  }

  @Test
  void streamedTheRealCoreComesOutAsTheFileScrubMakesIt() throws Exception {
    ScrubOptions o =
        ScrubOptions.defaults().withEnvSecrets(EnvSecrets.fromEnviron(environ)).withThreads(1);
    Path file = Files.copy(core, tmp.resolve("file-scrubbed.core"));
    ScrubReport byFile = Scrubber.of(o).scrubCore(file);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    CoreStream stream = Scrubber.of(o).coreStream(out, 0);
    try (stream;
        var in = new StreamTest.Trickle(Files.readAllBytes(core), 65536)) {
      in.transferTo(stream);
    }
    ScrubReport streamed = stream.report();
    System.out.println("streamed: " + streamed.summary());
    assertThat(streamed.complete()).as(streamed.summary()).isTrue();
    assertThat(streamed.matches()).isEqualTo(byFile.matches()).isNotEmpty();
    assertThat(streamed.segmentsScanned()).isEqualTo(byFile.segmentsScanned());
    Path p = Files.write(tmp.resolve("streamed.core"), out.toByteArray());
    assertThat(Files.mismatch(p, file)).isEqualTo(-1L);
    assertThat(remaining(p)).isEmpty();
  }

  @Test
  void withTheHeapDroppedGdbStillNamesTheFunctions() throws Exception {
    Path p = Files.copy(core, tmp.resolve("dropped.core"));
    ScrubOptions o = ScrubOptions.defaults().withEnvSecrets(EnvSecrets.fromEnviron(environ));
    ScrubReport r = Scrubber.of(o.withDropHeap(true)).scrubCore(p);
    System.out.println("heap dropped: " + r.summary());
    assertThat(r.complete()).as(r.summary()).isTrue();
    assertThat(r.segmentsZeroed()).isPositive();
    assertThat(remaining(p)).isEmpty();
    assertThat(gdbBacktrace(p))
        .contains("crash_now", "parse_card", "handle_request", "main")
        .as("libc's frames: the loader's list of libraries was kept")
        .containsPattern("in (__GI_)?abort \\(\\)")
        .contains("libc.so.6")
        .doesNotContain("No shared libraries loaded")
        .as("libthread_db still finds the thread: its TCB was kept")
        .contains("Thread 0x");
  }
}
