package dev.coroner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.dump.DumpInfo;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.KernelSettings;
import dev.coroner.store.archive.DumpArchive;
import dev.coroner.testkit.KernelLock;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Issue 15 through the real pipeline: the agent installs the composer, a Node.js app and a C
 * program holding secrets crash on the real kernel, the agent scrubs each dump (rules and the
 * process's environment, left beside the dump by the composer), encrypts it to an age recipient and
 * uploads it to s3proxy. Then: the objects are age files, {@code age -d} gives the exact zips
 * {@code coroner get --identity} verifies, a wrong identity is refused, no secret remains in any
 * entry or core in any encoding (a Luhn-failing lookalike does), and lldb + llnode and gdb still
 * debug the scrubbed cores through {@code coroner debug --identity}.
 */
class SealIT {
  static final String VISA = "4111111111111111";
  static final String LOOKALIKE = "4111111111111112";
  static final String AWS_ID = "AKIAIOSFODNN7EXAMPLE";
  static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String JWT =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
          + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
          + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  static final String PEM =
      "-----BEGIN RSA PRIVATE KEY-----\n"
          + "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
          + "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm\n"
          + "-----END RSA PRIVATE KEY-----";
  static final String PASSWORD = "Zq8-xv2LmP-4nKw";
  static final String C_PASSWORD = "c-db-pw-7Hq2Lx9Vw3";

  static final Map<String, String> SECRETS = new LinkedHashMap<>();

  static {
    SECRETS.put("card", VISA);
    SECRETS.put("aws key id", AWS_ID);
    SECRETS.put("aws secret key", AWS_SECRET);
    SECRETS.put("jwt", JWT);
    SECRETS.put("pem line 1", PEM.split("\n")[1]);
    SECRETS.put("pem line 2", PEM.split("\n")[2]);
    SECRETS.put("password", PASSWORD);
    SECRETS.put("c password", C_PASSWORD);
  }

  static Path tmp;
  static KernelLock lock;
  static KernelSettings saved;
  static S3Server s3;
  static S3Client admin;
  static AgentProcess agent;
  static Path identity;
  static Path wrongIdentity;
  static long nodePid;
  static long cPid;
  static Path cProgram;

  @BeforeAll
  static void crashBoth() throws Exception {
    lock = KernelLock.acquire();
    saved = KernelSettings.read(InstallOptions.PROC_SYS);
    tmp = Files.createTempDirectory(Path.of("/tmp"), "seal");
    identity = tmp.resolve("team.key");
    wrongIdentity = tmp.resolve("other.key");
    String recipient = keygen(identity);
    keygen(wrongIdentity);
    cProgram = tmp.resolve("secrets");
    run(
        "cc",
        "-O0",
        "-g",
        "-o",
        cProgram.toString(),
        Path.of("..", "coroner-scrub", "src", "test", "resources", "secret-c", "secrets.c")
            .toString());
    s3 = new S3Server(Files.createDirectory(tmp.resolve("blobs")));
    admin = s3.client();
    admin.createBucket(b -> b.bucket("crashes"));
    agent =
        AgentProcess.start(
            s3,
            tmp.resolve("dumps"),
            "crashes",
            Map.of(
                "CORONER_INSTALL", "true",
                "CORONER_PREFIX", tmp.resolve("p").toString(),
                "CORONER_RESTORE_ON_STOP", "true",
                "CORONER_SCRUB", "default",
                "CORONER_ENCRYPT_RECIPIENTS", recipient));
    assertThat(agent.ready()).as(String.join("\n", agent.log())).isTrue();
    nodePid = crashNode();
    cPid = crashC();
    await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(objects()).hasSize(2));
    System.setProperty("aws.accessKeyId", S3Server.ACCESS);
    System.setProperty("aws.secretAccessKey", S3Server.SECRET);
  }

  @AfterAll
  static void restore() throws Exception {
    try {
      System.out.println(String.join("\n", agent.log()));
      agent.close();
      admin.close();
      s3.close();
    } finally {
      if (!KernelSettings.read(InstallOptions.PROC_SYS).equals(saved)) {
        saved.write(InstallOptions.PROC_SYS);
      }
      lock.close();
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
      new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  static String keygen(Path file) throws Exception {
    Process p =
        new ProcessBuilder("age-keygen", "-o", file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    Matcher m = Pattern.compile("(age1[0-9a-z]{58})").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group(1);
  }

  /** The secret app of coroner-scrub, crashed on SIGTRAP as the example app does. */
  static long crashNode() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("node", "--abort-on-uncaught-exception", "index.js")
            .directory(
                Path.of("..", "coroner-scrub", "src", "test", "resources", "secret-app").toFile());
    Map<String, String> env = pb.environment();
    env.put("PAYMENT_CARD_SECRET", VISA);
    env.put("AWS_ACCESS_KEY_ID", AWS_ID);
    env.put("AWS_SECRET_ACCESS_KEY", AWS_SECRET);
    env.put("SESSION_TOKEN", JWT);
    env.put("TLS_PRIVATE_KEY", PEM);
    env.put("DB_PASSWORD", PASSWORD);
    Process p = pb.start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("ready");
      OutputStream in = p.getOutputStream();
      in.write("crash\n".getBytes(StandardCharsets.US_ASCII));
      in.flush();
      out.lines().forEach(l -> {});
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      return p.pid();
    } finally {
      p.destroyForcibly();
    }
  }

  /** The C program: the card and the lookalike on stdin (heap and stack), a password in env. */
  static long crashC() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cProgram.toString()).redirectErrorStream(true);
    pb.environment().put("DB_PASSWORD", C_PASSWORD);
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(
          ("card=" + VISA + " not-a-card=" + LOOKALIKE + " key=" + AWS_ID)
              .getBytes(StandardCharsets.US_ASCII));
    }
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return p.pid();
  }

  static List<S3Object> objects() {
    return S3Server.objects(admin, "crashes", "").stream()
        .filter(o -> !o.key().startsWith("~coroner/") && o.key().endsWith(".zip.age"))
        .toList();
  }

  static S3Object object(long pid) {
    for (S3Object o : objects()) {
      if (S3Server.metadata(admin, "crashes", o).get("host-pid").equals(Long.toString(pid))) {
        return o;
      }
    }
    throw new AssertionError("no object for pid " + pid + " in " + objects());
  }

  static byte[] bytes(S3Object o) throws Exception {
    try (InputStream in = admin.getObject(b -> b.bucket("crashes").key(o.key()))) {
      return in.readAllBytes();
    }
  }

  static String name(S3Object o) {
    String f = o.key().substring(o.key().lastIndexOf('/') + 1);
    return f.substring(0, f.length() - ".zip.age".length());
  }

  @Test
  void theObjectsAreAgeFilesThatTheAgeToolDecryptsToTheVerifiedZip() throws Exception {
    for (long pid : List.of(nodePid, cPid)) {
      S3Object o = object(pid);
      assertThat(o.key()).startsWith("host/");
      assertThat(S3Server.objects(admin, "crashes", "host/"))
          .as("nothing but age files under the namespace")
          .allMatch(x -> x.key().endsWith(".zip.age") || x.key().endsWith("/"));
      byte[] stored = bytes(o);
      assertThat(new String(stored, 0, 22, StandardCharsets.US_ASCII))
          .isEqualTo("age-encryption.org/v1\n");
      assertThat(stored[0]).as("not a zip").isNotEqualTo((byte) 'P');
      Path enc = Files.write(tmp.resolve(pid + ".zip.age"), stored);

      Path byAge = tmp.resolve(pid + "-age.zip");
      assertThat(
              run("age", "-d", "-i", identity.toString(), "-o", byAge.toString(), enc.toString()))
          .isEmpty();
      Process wrong =
          new ProcessBuilder("age", "-d", "-i", wrongIdentity.toString(), enc.toString())
              .redirectErrorStream(true)
              .start();
      String why = new String(wrong.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(wrong.waitFor()).isNotZero();
      assertThat(why).contains("no identity matched any of the recipients");

      Path got = Files.createDirectories(tmp.resolve("get-" + pid));
      String out = cli(0, "get", name(o), "--identity", identity.toString(), "-d", got.toString());
      assertThat(out).contains("sha256 verified");
      assertThat(Files.readAllBytes(got.resolve(name(o) + ".zip")))
          .as("age -d gives exactly the zip coroner verified")
          .isEqualTo(Files.readAllBytes(byAge));
    }
  }

  @Test
  void withoutTheRightIdentityTheCliSaysWhatToDo() throws Exception {
    String n = name(object(nodePid));
    String none = cli(4, "get", n, "-d", tmp.toString());
    assertThat(none).contains("is encrypted at rest (age)").contains("--identity FILE");
    String wrong = cli(4, "get", n, "--identity", wrongIdentity.toString(), "-d", tmp.toString());
    String key =
        Files.readAllLines(wrongIdentity).stream()
            .filter(l -> l.startsWith("AGE-SECRET-KEY-1"))
            .findFirst()
            .orElseThrow();
    assertThat(wrong)
        .contains("is a recipient of this dump")
        .doesNotContain(key, key.substring(16));
    String info = cli(0, "info", n);
    assertThat(info).contains("Scrubbed:").contains("env-secret=").contains("Encrypted:");
    assertThat(info).doesNotContain(JWT, AWS_ID, PASSWORD);
  }

  @Test
  void noSecretRemainsInAnyEntryOrCoreButTheLookalikeDoes() throws Exception {
    for (long pid : List.of(nodePid, cPid)) {
      Path zip = tmp.resolve(pid + "-scan.zip");
      run(
          "age",
          "-d",
          "-i",
          identity.toString(),
          "-o",
          zip.toString(),
          write(object(pid)).toString());
      List<String> found = new ArrayList<>();
      try (DumpArchive a = DumpArchive.open(zip)) {
        DumpInfo info = a.info();
        assertThat(info.scrub().complete()).isTrue();
        assertThat(info.scrub().mode()).isEqualTo("default");
        assertThat(info.scrub().rules()).containsKey("env-secret");
        for (String entry : a.entries()) {
          if (entry.equals(info.core().entry())) {
            continue;
          }
          try (InputStream in = a.open(entry)) {
            search(in.readAllBytes(), entry, found);
          }
        }
        ByteArrayOutputStream core = new ByteArrayOutputStream();
        assertThat(a.writeCore(core)).isEqualTo(info.core().sha256());
        byte[] raw = core.toByteArray();
        search(raw, "core", found);
        if (pid == cPid) {
          assertThat(SecretSearch.count(raw, LOOKALIKE, StandardCharsets.UTF_8))
              .as("a number that fails Luhn is kept")
              .isPositive();
        }
      }
      assertThat(found).as("secrets left in the dump of pid " + pid).isEmpty();
    }
  }

  @Test
  void llnodeStillShowsTheJavaScriptOfTheScrubbedCore() throws Exception {
    String n = name(object(nodePid));
    String bt = debug(n, "v8 bt", "v8 findjsobjects");
    assertThat(bt)
        .contains("bar(")
        .contains("foo(")
        .contains("hello world")
        .containsPattern("\\d+\\s+\\d+\\s+Object\\b");
    Matcher frame = Pattern.compile("frame #(\\d+): \\S+ bar\\(").matcher(bt);
    assertThat(frame.find()).as(bt).isTrue();
    String source = debug(n, "frame select " + frame.group(1), "v8 source list");
    assertThat(source).contains("function bar(input) {").contains("throw \"Boom!\";");
  }

  @Test
  void gdbStillNamesTheFunctionsOfTheScrubbedNativeCore() throws Exception {
    String n = name(object(cPid));
    String bt =
        cli(
            0,
            "debug",
            n,
            "--identity",
            identity.toString(),
            "--cache-dir",
            tmp.resolve("cache").toString(),
            "--debugger",
            "gdb",
            "--batch",
            "-o",
            "bt");
    assertThat(bt)
        .as("%s", sysroots())
        .contains("crash_now")
        .contains("parse_card")
        .contains("handle_request")
        .contains("main");
  }

  /** What the debug cache's sysroots hold, for a failure's message. */
  static String sysroots() {
    try (var files = Files.walk(tmp.resolve("cache"))) {
      return files
          .map(
              p -> {
                try {
                  return p + (Files.isSymbolicLink(p) ? " -> " + Files.readSymbolicLink(p) : "");
                } catch (java.io.IOException e) {
                  return p.toString();
                }
              })
          .collect(java.util.stream.Collectors.joining("\n"));
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  static String debug(String name, String... commands) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "debug",
                name,
                "--identity",
                identity.toString(),
                "--cache-dir",
                tmp.resolve("cache").toString(),
                "--batch"));
    for (String c : commands) {
      args.add("-o");
      args.add(c);
    }
    return cli(0, args.toArray(String[]::new));
  }

  static Path write(S3Object o) throws Exception {
    return Files.write(tmp.resolve(o.key().replace('/', '_')), bytes(o));
  }

  static void search(byte[] data, String where, List<String> found) {
    SECRETS.forEach(
        (name, value) ->
            SecretSearch.find(data, name, value).forEach(f -> found.add(where + ": " + f)));
  }

  static String cli(int expected, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--store", "s3://crashes", "--s3-endpoint", s3.uri().toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        dev.coroner.cli.Main.run(
            all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    System.out.println(out + "\n" + err);
    assertThat(code).as(out + "\n" + err).isEqualTo(expected);
    return out + "\n" + err;
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    return out;
  }
}
