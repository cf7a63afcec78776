package dev.coroner.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import dev.coroner.dump.Compression;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.dump.ScrubMode;
import dev.coroner.store.archive.DumpArchive;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DumpScrubberTest {
  static final String VISA = "4111111111111111";
  static final String LOOKALIKE = "4111111111111112"; // fails Luhn
  static final String AWS_ID = "AKIAIOSFODNN7EXAMPLE";
  static final String JWT =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
          + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
          + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  static final String ENV_SECRET = "n0t-a-pattern-but-a-secret-value";

  @TempDir Path dir;

  @Test
  void scrubsCoreTextAndDumpInfoAndRepublishesAtomically() throws Exception {
    byte[] core =
        core("card " + VISA + " id " + AWS_ID + " env " + ENV_SECRET + " keep " + LOOKALIKE);
    Path zip = dir.resolve("d.zip");
    DumpInfo info = write(zip, core, Compression.ZSTD, sha(core));

    var out =
        DumpScrubber.defaults()
            .scrub(zip, zip, info, new DumpScrubber.Request(ScrubMode.DEFAULT, environ()));

    assertThat(out.file()).isEqualTo(zip);
    assertThat(Files.getPosixFilePermissions(zip))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(zip); // no partial, no core left beside it
    }
    try (DumpArchive a = DumpArchive.open(zip)) {
      DumpInfo got = a.info();
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      String sha = a.writeCore(raw); // verified against the new sha256
      String text = raw.toString(StandardCharsets.ISO_8859_1);
      assertThat(text).doesNotContain(VISA, AWS_ID, ENV_SECRET).contains(LOOKALIKE);
      assertThat(raw.size()).isEqualTo(core.length);
      assertThat(sha).isEqualTo(sha(raw.toByteArray())).isNotEqualTo(sha(core));
      assertThat(got.core().sha256()).isEqualTo(sha);
      assertThat(got.scrub().mode()).isEqualTo("default");
      assertThat(got.scrub().complete()).isTrue();
      assertThat(got.scrub().rules())
          .containsEntry("aws-access-key-id", 2L) // the core and an annotation
          .containsKey("card")
          .containsKey("env-secret")
          .containsKey("jwt");
      assertThat(got.process().cmdline())
          .containsExactly("app", "--token", "*".repeat(JWT.length()));
      assertThat(got.pod().annotations().get("note")).doesNotContain(AWS_ID);
      assertThat(got.files()).containsExactly("proc/cmdline", "container.log", "d.core.zst");
      assertThat(read(a, "container.log")).doesNotContain(JWT).contains("request failed");
      assertThat(read(a, "proc/cmdline")).doesNotContain(JWT);
      assertThat(got.toJson()).doesNotContain(JWT, AWS_ID, VISA);
    }
  }

  @Test
  void theAnalysisTextIsScrubbedAndItsSignaturesKept() throws Exception {
    byte[] core = core("nothing secret");
    Path zip = dir.resolve("d.zip");
    CrashAnalysis a =
        new CrashAnalysis(
            "node",
            "sig5",
            "sig3",
            "check (" + AWS_ID + ".js:3)",
            "lldb+llnode",
            10,
            "lldb said " + JWT,
            List.of(
                new CrashAnalysis.Frame(
                    "js", "check", null, null, null, "/srv/" + AWS_ID + ".js", 3, "k", true)));
    DumpInfo info = write(zip, core, Compression.ZSTD, sha(core)).withAnalysis(a, List.of());

    var out =
        DumpScrubber.defaults()
            .scrub(zip, zip, info, new DumpScrubber.Request(ScrubMode.DEFAULT, null));

    CrashAnalysis got = out.info().analysis();
    assertThat(got).isNotNull();
    assertThat(got.signature()).isEqualTo("sig5");
    assertThat(got.signature3()).isEqualTo("sig3");
    assertThat(got.topFrame()).startsWith("check (").doesNotContain(AWS_ID);
    assertThat(got.problem()).doesNotContain(JWT);
    assertThat(got.frames().get(0).function()).isEqualTo("check");
    assertThat(got.frames().get(0).file()).doesNotContain(AWS_ID);
    assertThat(out.info().toJson()).doesNotContain(AWS_ID, JWT);
    assertThat(out.info().scrub().rules()).containsKey("jwt").containsKey("aws-access-key-id");
    // Beside an encrypted object only the top frame and the signatures stay readable.
    DumpInfo readable =
        out.info().readableCopy(new DumpInfo.EncryptionInfo("age", List.of(), DumpInfo.WITHHELD));
    assertThat(readable.analysis().frames()).isEmpty();
    assertThat(readable.analysis().problem()).isNull();
    assertThat(readable.analysis().topFrame()).isEqualTo(got.topFrame());
    assertThat(readable.analysis().signature()).isEqualTo("sig5");
  }

  @Test
  void intoAnotherDirectoryKeepsTheSourceAndScrubsDeflatedCores() throws Exception {
    byte[] core = core("card " + VISA);
    Path staged = Files.createDirectory(dir.resolve(".scrub")).resolve("d.zip");
    DumpInfo info = write(staged, core, Compression.DEFLATE, sha(core));
    Path target = dir.resolve("d.zip");

    DumpScrubber.defaults()
        .scrub(staged, target, info, new DumpScrubber.Request(ScrubMode.DEFAULT, null));

    try (DumpArchive a = DumpArchive.open(target)) {
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      a.writeCore(raw);
      assertThat(raw.toString(StandardCharsets.ISO_8859_1)).doesNotContain(VISA);
      assertThat(a.info().core().compression()).isEqualTo(Compression.DEFLATE);
    }
  }

  @Test
  void aCoreThatDoesNotMatchItsHashIsNotScrubbed() throws Exception {
    byte[] core = core("card " + VISA);
    Path zip = dir.resolve("d.zip");
    DumpInfo info = write(zip, core, Compression.ZSTD, "00".repeat(32));
    byte[] before = Files.readAllBytes(zip);

    assertThatThrownBy(
            () ->
                DumpScrubber.defaults()
                    .scrub(zip, zip, info, new DumpScrubber.Request(ScrubMode.DEFAULT, null)))
        .isInstanceOf(DumpScrubber.DamagedDumpException.class)
        .hasMessageContaining("does not match dump-info");
    assertThat(Files.readAllBytes(zip)).isEqualTo(before);
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(zip);
    }
  }

  @Test
  void aCoreThatIsNotElfIsScrubbedAsText() throws Exception {
    byte[] notElf =
        ("not a core at all " + VISA + " " + LOOKALIKE).getBytes(StandardCharsets.US_ASCII);
    Path zip = dir.resolve("d.zip");
    DumpInfo info = write(zip, notElf, Compression.ZSTD, sha(notElf));

    var out =
        DumpScrubber.defaults()
            .scrub(zip, zip, info, new DumpScrubber.Request(ScrubMode.DEFAULT, null));

    assertThat(out.info().scrub().complete()).isTrue();
    try (DumpArchive a = DumpArchive.open(zip)) {
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      a.writeCore(raw);
      assertThat(raw.toString(StandardCharsets.ISO_8859_1))
          .doesNotContain(VISA)
          .contains(LOOKALIKE);
    }
  }

  @Test
  void aCoreTheHeapDropCannotReadIsDroppedNotPublished() throws Exception {
    byte[] notElf = ("not a core at all " + VISA).getBytes(StandardCharsets.US_ASCII);
    Path zip = dir.resolve("d.zip");
    DumpInfo info = write(zip, notElf, Compression.ZSTD, sha(notElf));

    var out =
        DumpScrubber.defaults()
            .scrub(zip, zip, info, new DumpScrubber.Request(ScrubMode.DROP_HEAP, null));

    assertThat(out.info().core().entry()).isNull();
    assertThat(out.info().core().sha256()).isNull();
    assertThat(out.info().integrity().cause()).isEqualTo(IntegrityCause.SCRUB_FAILED);
    assertThat(out.info().scrub().complete()).isFalse();
    try (DumpArchive a = DumpArchive.open(zip)) {
      assertThat(a.entries()).doesNotContain("d.core.zst");
    }
    assertThat(new String(Files.readAllBytes(zip), StandardCharsets.ISO_8859_1))
        .doesNotContain(VISA);
  }

  @Test
  void theEnvironmentSideFileLivesBesideItsDumpAndOrphansGo() throws Exception {
    Path zip = dir.resolve("d.zip");
    EnvironFile.write(zip, environ());
    assertThat(Files.getPosixFilePermissions(EnvironFile.of(zip)))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(EnvironFile.read(zip)).isEqualTo(environ());
    assertThat(EnvironFile.deleteOrphans(dir, java.time.Duration.ZERO)).isEqualTo(1);
    assertThat(EnvironFile.read(zip)).isNull();
    Files.writeString(zip, "x");
    EnvironFile.write(zip, environ());
    assertThat(EnvironFile.deleteOrphans(dir, java.time.Duration.ZERO)).isZero();
    EnvironFile.delete(zip);
    assertThat(Files.exists(EnvironFile.of(zip))).isFalse();
  }

  @Test
  void requestsNeverShowTheEnvironment() {
    assertThat(new DumpScrubber.Request(ScrubMode.DEFAULT, environ()).toString())
        .doesNotContain(ENV_SECRET)
        .contains("default");
  }

  static byte[] environ() {
    return ("PATH=/usr/bin\0API_TOKEN=" + ENV_SECRET + "\0").getBytes(StandardCharsets.UTF_8);
  }

  static byte[] core(String text) {
    byte[] heap = new byte[8192];
    byte[] t = text.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(t, 0, heap, 100, t.length);
    return new SyntheticCore()
        .load(0x400000, 5, new byte[4096])
        .rw(0x10000000, heap)
        .thread(0x10000100)
        .build();
  }

  /** A dump as the composer writes one. */
  static DumpInfo write(Path zip, byte[] core, Compression c, String sha) throws IOException {
    String entry = c.entryName("d");
    DumpInfo info =
        new DumpInfo(
            1,
            "8179c3b0-d92b-47c4-8776-99992cf68adf",
            "d",
            1795769715,
            "web-1",
            "node-1",
            new DumpInfo.ProcessInfo(
                "app",
                "/app",
                List.of("app", "--token", JWT),
                7,
                4795,
                7,
                4795,
                0,
                0,
                11,
                null,
                "unlimited",
                true),
            new DumpInfo.PodInfo(
                "prod",
                "web-1",
                "uid",
                "app",
                "img",
                null,
                0,
                "node-1",
                Map.of("app", "web"),
                Map.of("note", "key " + AWS_ID)),
            new DumpInfo.CoreInfo(entry, c, core.length, 0, sha, (long) core.length),
            DumpInfo.Integrity.complete(),
            List.of("proc/cmdline", "container.log", entry),
            new DumpInfo.ComposerInfo("test", 1, List.of()));
    try (OutputStream f = Files.newOutputStream(zip);
        ZipOutputStream z = new ZipOutputStream(f)) {
      entry(z, "proc/cmdline", ("app\0--token\0" + JWT + "\0").getBytes(StandardCharsets.UTF_8));
      entry(
          z,
          "container.log",
          ("request failed for Bearer " + JWT + "\n").getBytes(StandardCharsets.UTF_8));
      z.putNextEntry(new ZipEntry(entry));
      if (c == Compression.ZSTD) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZstdOutputStream zs = new ZstdOutputStream(b)) {
          zs.write(core);
        }
        z.write(b.toByteArray());
      } else {
        z.write(core);
      }
      z.closeEntry();
      entry(z, DumpInfo.ENTRY, info.toJson().getBytes(StandardCharsets.UTF_8));
    }
    return info;
  }

  static void entry(ZipOutputStream z, String name, byte[] data) throws IOException {
    z.putNextEntry(new ZipEntry(name));
    z.write(data);
    z.closeEntry();
  }

  static String read(DumpArchive a, String entry) throws IOException {
    try (InputStream in = a.open(entry)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
