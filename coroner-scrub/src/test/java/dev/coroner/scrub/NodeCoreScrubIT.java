package dev.coroner.scrub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Node.js crash (kernel core of src/test/resources/secret-app) holding a card number, an AWS
 * key pair, a JWT, a PEM key and a password as one-byte and two-byte strings, in a Buffer and in
 * its environment: scrubbed, none remains in any encoding, and lldb with llnode still shows the
 * JavaScript frames, their source and the heap's objects.
 */
class NodeCoreScrubIT {
  private static final String PEM =
      "-----BEGIN RSA PRIVATE KEY-----\n"
          + "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
          + "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm\n"
          + "-----END RSA PRIVATE KEY-----";

  /** Secret name to value; the environment of the app holds each under a secret-looking name. */
  private static final Map<String, String> SECRETS = new LinkedHashMap<>();

  /** The ones only the environment values can find: nothing in their shape gives them away. */
  private static final List<String> SHAPELESS = List.of("aws secret key", "password");

  static {
    SECRETS.put("card", Secrets.VISA);
    SECRETS.put("aws key id", Secrets.AWS_ID);
    SECRETS.put("aws secret key", Secrets.AWS_SECRET);
    SECRETS.put("jwt", Secrets.JWT);
    SECRETS.put("pem", PEM);
    SECRETS.put("pem line 1", PEM.split("\n")[1]);
    SECRETS.put("pem line 2", PEM.split("\n")[2]);
    SECRETS.put("password", "Zq8-xv2LmP-4nKw");
  }

  @TempDir static Path tmp;
  private static Path core;
  private static byte[] environ;
  private static Path node;
  private static String llnode;

  @BeforeAll
  static void crash() throws Exception {
    Path app =
        Path.of(NodeCoreScrubIT.class.getResource("/secret-app/index.js").toURI()).getParent();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PAYMENT_CARD_SECRET", SECRETS.get("card"));
    env.put("AWS_ACCESS_KEY_ID", SECRETS.get("aws key id"));
    env.put("AWS_SECRET_ACCESS_KEY", SECRETS.get("aws secret key"));
    env.put("SESSION_TOKEN", SECRETS.get("jwt"));
    env.put("TLS_PRIVATE_KEY", PEM);
    env.put("DB_PASSWORD", SECRETS.get("password"));
    ProcessBuilder pb = new ProcessBuilder("node", "--abort-on-uncaught-exception", "index.js");
    pb.directory(app.toFile()).environment().putAll(env);
    core =
        KernelCrash.crash(
            tmp,
            pb,
            p -> {
              BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
              assertThat(out.readLine()).isEqualTo("ready");
              // What the composer reads from /proc before the core streams.
              environ = Files.readAllBytes(Path.of("/proc/" + p.pid() + "/environ"));
              OutputStream in = p.getOutputStream();
              in.write("crash\n".getBytes(StandardCharsets.US_ASCII));
              in.flush();
              out.lines().forEach(l -> {});
            });
    // Without DWARF lldb loads node in a second instead of 15 (symbols and build-id stay).
    node = tmp.resolve("node");
    KernelCrash.run(tmp, Map.of(), "objcopy", "--strip-debug", which("node"), node.toString());
    llnode = KernelCrash.run(tmp, Map.of(), "npm", "root", "-g").strip() + "/llnode/llnode.so";
    assertThat(Path.of(llnode)).as("llnode is installed (bin/setup)").isRegularFile();
  }

  private static String which(String tool) throws Exception {
    return KernelCrash.run(tmp, Map.of(), "sh", "-c", "command -v " + tool).strip();
  }

  private static Path copy(String name) throws Exception {
    return Files.copy(core, tmp.resolve(name));
  }

  private static List<String> remaining(Path file, Map<String, String> secrets) throws Exception {
    byte[] data = Files.readAllBytes(file);
    List<String> found = new ArrayList<>();
    secrets.forEach((name, value) -> found.addAll(CoreSearch.find(data, name, value)));
    return found;
  }

  /** Pieces of the secrets: the PEM line by line, since its line breaks may be escaped. */
  private static List<String> pieces(Path file) throws Exception {
    byte[] data = Files.readAllBytes(file);
    List<String> found = new ArrayList<>();
    SECRETS.forEach(
        (name, value) -> {
          if (!name.equals("pem")) {
            found.addAll(CoreSearch.findPieces(data, name, value, Candidates.PIECE));
          }
        });
    return found;
  }

  private static String lldb(Path file, String... commands) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("lldb", "--batch", "-o", "plugin load " + llnode));
    for (String c : commands) {
      cmd.add("-o");
      cmd.add(c);
    }
    cmd.addAll(List.of("-c", file.toString(), node.toString()));
    String out =
        KernelCrash.run(
            tmp,
            Map.of("PYTHONPATH", "/usr/lib/llvm-14/lib/python3.11/dist-packages"),
            cmd.toArray(String[]::new));
    System.out.println(out.length() > 6000 ? out.substring(0, 6000) + "..." : out);
    return out;
  }

  @Test
  void theCoreHoldsEverySecretInOneByteAndTwoByteForm() throws Exception {
    byte[] data = Files.readAllBytes(core);
    for (Map.Entry<String, String> s : SECRETS.entrySet()) {
      assertThat(CoreSearch.count(data, s.getValue(), StandardCharsets.UTF_8))
          .as(s.getKey())
          .isPositive();
      assertThat(CoreSearch.count(data, s.getValue(), StandardCharsets.UTF_16LE))
          .as(s.getKey() + " as a two-byte string")
          .isPositive();
    }
  }

  @Test
  void theRulesAloneBlankEverySecretThatHasAShape() throws Exception {
    Path p = copy("rules.core");
    ScrubReport r = Scrubber.of(ScrubOptions.defaults()).scrubCore(p);
    System.out.println("rules only: " + r.summary());
    assertThat(r.complete()).as(r.summary()).isTrue();
    assertThat(r.matches())
        .containsKeys("card", "aws-access-key-id", "aws-secret-key", "jwt", "pem-private-key");
    Map<String, String> shaped = new LinkedHashMap<>(SECRETS);
    SHAPELESS.forEach(shaped::remove);
    assertThat(remaining(p, shaped)).isEmpty();
    assertThat(Files.size(p)).isEqualTo(Files.size(core));
  }

  @Test
  void withTheEnvironmentNothingRemainsAndLlnodeStillWorks() throws Exception {
    Path p = copy("scrubbed.core");
    EnvSecrets env = EnvSecrets.fromEnviron(environ);
    assertThat(env.size()).isEqualTo(SECRETS.size() - 2); // the key id's name has KEY too
    ScrubReport r = Scrubber.of(ScrubOptions.defaults().withEnvSecrets(env)).scrubCore(p);
    System.out.println("rules and environment: " + r.summary());
    assertThat(r.complete()).as(r.summary()).isTrue();
    assertThat(r.matches()).containsKey("env-secret");
    assertThat(remaining(p, SECRETS)).isEmpty();
    assertThat(pieces(p)).as("pieces of 12 characters").isEmpty();
    assertThat(Files.size(p)).isEqualTo(Files.size(core));

    String bt = lldb(p, "v8 bt", "v8 findjsobjects");
    assertThat(bt)
        .contains("bar(")
        .contains("foo(")
        .contains("hello world")
        .as("findjsobjects lists the heap's objects")
        .containsPattern("\\d+\\s+\\d+\\s+Object\\b")
        .doesNotContain("error:");
    Matcher frame = Pattern.compile("frame #(\\d+): \\S+ bar\\(").matcher(bt);
    assertThat(frame.find()).isTrue();
    String source = lldb(p, "frame select " + frame.group(1), "v8 source list");
    assertThat(source).contains("function bar(input) {").contains("throw \"Boom!\";");
  }

  @Test
  void streamedTheNodeCoreComesOutAsTheFileScrubMakesIt() throws Exception {
    ScrubOptions o =
        ScrubOptions.defaults().withEnvSecrets(EnvSecrets.fromEnviron(environ)).withThreads(1);
    Path file = copy("file-scrubbed.core");
    ScrubReport byFile = Scrubber.of(o).scrubCore(file);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    CoreStream stream = Scrubber.of(o).coreStream(out, 0);
    try (stream;
        var in = new StreamTest.Trickle(Files.readAllBytes(core), 1 << 20)) {
      in.transferTo(stream);
    }
    ScrubReport streamed = stream.report();
    System.out.println("streamed: " + streamed.summary());
    assertThat(streamed.complete()).as(streamed.summary()).isTrue();
    assertThat(streamed.matches()).isEqualTo(byFile.matches());
    Path p = Files.write(tmp.resolve("streamed.core"), out.toByteArray());
    assertThat(Files.mismatch(p, file)).as("the first byte that differs").isEqualTo(-1L);
  }

  @Test
  void theHeapDropKeepsNativeFramesButLosesTheJavaScript() throws Exception {
    Path p = copy("dropped.core");
    ScrubOptions o = ScrubOptions.defaults().withEnvSecrets(EnvSecrets.fromEnviron(environ));
    ScrubReport r = Scrubber.of(o.withDropHeap(true)).scrubCore(p);
    System.out.println("heap drop: " + r.summary());
    assertThat(r.complete()).as(r.summary()).isTrue();
    assertThat(r.segmentsZeroed()).isPositive();
    assertThat(remaining(p, SECRETS)).isEmpty();
    String bt = lldb(p, "v8 bt 10");
    assertThat(bt).contains("v8::internal::Runtime_Throw").doesNotContain("bar(");
  }
}
