package dev.coroner.capture.seal;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdInputStream;
import dev.coroner.capture.CrashFacts;
import dev.coroner.capture.DumpAssembly;
import dev.coroner.capture.identity.CrashVerdict;
import dev.coroner.capture.identity.Decision;
import dev.coroner.capture.log.CaptureLog;
import dev.coroner.capture.proc.ProcSnapshot;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.capture.write.CoreCopier;
import dev.coroner.capture.write.DumpWriter;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.ScrubMode;
import dev.coroner.seal.DumpScrubber;
import dev.coroner.seal.StreamSeal;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dump sealed while it is written is the dump the scrub after the release makes of the same
 * crash: same core bytes, same hash, same report, same scrubbed text; and what the stream cannot
 * scrub is left, counted, to that scrub.
 */
class StreamSealTest {
  private static final String CARD = "4111111111111111";
  private static final String AWS_ID = "AKIAIOSFODNN7EXAMPLE";
  private static final String PASSWORD = "Zq8-xv2LmP-4nKw";
  private static final byte[] ENVIRON =
      ("DB_PASSWORD=" + PASSWORD + "\0HOME=/root\0").getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  @Test
  void sealedWhileWrittenItIsTheDumpTheScrubAfterwardsMakes() throws Exception {
    long size = 8L << 20;
    DumpWriter.Written streamed =
        write("a", size, StreamSeal.open(ScrubMode.DEFAULT, ENVIRON.clone(), 0));
    DumpWriter.Written raw = write("b", size, null);
    DumpScrubber.Scrubbed after =
        DumpScrubber.defaults()
            .scrub(
                raw.file(),
                dir.resolve("b/after.zip"),
                raw.info(),
                new DumpScrubber.Request(ScrubMode.DEFAULT, ENVIRON.clone()));

    DumpInfo s = streamed.info();
    DumpInfo a = after.info();
    assertThat(s.scrub()).isNotNull();
    assertThat(s.scrub().complete()).isTrue();
    assertThat(s.scrub().rules())
        .isEqualTo(a.scrub().rules())
        .containsKeys("card", "aws-access-key-id", "env-secret");
    assertThat(s.core().sha256()).isEqualTo(a.core().sha256()).isEqualTo(sha256(core(streamed)));
    assertThat(core(streamed)).isEqualTo(core(after.file(), a));
    assertThat(s.process().cmdline())
        .isEqualTo(a.process().cmdline())
        .noneMatch(c -> c.contains(AWS_ID));
    assertThat(entry(streamed.file(), "proc/cmdline"))
        .isEqualTo(entry(after.file(), "proc/cmdline"))
        .doesNotContain(AWS_ID);
    for (String secret : List.of(CARD, AWS_ID, PASSWORD)) {
      assertThat(new String(core(streamed), StandardCharsets.ISO_8859_1)).doesNotContain(secret);
    }
  }

  @Test
  void aCoreLeftToTheScrubAfterwardsIsWrittenRawAndScrubbedAfterwardsAsAnyOther() throws Exception {
    long size = 4L << 20;
    StreamSeal seal = StreamSeal.open(ScrubMode.DEFAULT, ENVIRON.clone(), size * 2);
    DumpWriter.Written streamed = write("a", size, seal);
    assertThat(streamed.info().scrub()).as("not sealed: the core is under the threshold").isNull();
    assertThat(seal.coreOutcome()).contains("scrubbed as a file");
    assertThat(entry(streamed.file(), "proc/cmdline"))
        .as("left to the scrub after")
        .contains(AWS_ID);

    DumpScrubber.Scrubbed later =
        DumpScrubber.defaults()
            .scrub(
                streamed.file(),
                dir.resolve("a/later.zip"),
                streamed.info(),
                new DumpScrubber.Request(ScrubMode.DEFAULT, ENVIRON.clone()));
    DumpWriter.Written raw = write("b", size, null);
    DumpScrubber.Scrubbed fresh =
        DumpScrubber.defaults()
            .scrub(
                raw.file(),
                dir.resolve("b/fresh.zip"),
                raw.info(),
                new DumpScrubber.Request(ScrubMode.DEFAULT, ENVIRON.clone()));
    assertThat(later.info().scrub().rules()).isEqualTo(fresh.info().scrub().rules());
    assertThat(core(later.file(), later.info())).isEqualTo(core(fresh.file(), fresh.info()));
  }

  @Test
  void onOneHostALargeCoreIsPublishedScrubbedWithoutAScrubAfterwards() throws Exception {
    CaptureSettings settings =
        CaptureSettings.defaults().withDumpDir(dir.resolve("dumps")).withScrub(ScrubMode.DEFAULT);
    CaptureLog log = CaptureLog.open(dir.resolve("log"));
    Sealing sealing = Sealing.of(settings, log);
    StreamSeal seal = sealing.streamSeal(ENVIRON.clone());
    assertThat(seal).as("one host, the default mode").isNotNull();
    DumpWriter.Written staged = write(sealing.writeTo(), StreamSeal.STREAM_FROM, seal);
    assertThat(staged.file().getParent().getFileName().toString()).isEqualTo(Sealing.STAGING);
    assertThat(staged.info().scrub().complete()).isTrue();

    DumpWriter.Written published = sealing.complete(staged, ENVIRON.clone());

    assertThat(published.file()).isEqualTo(settings.dumpDir().resolve(staged.file().getFileName()));
    assertThat(staged.file()).doesNotExist();
    assertThat(published.info()).as("not scrubbed again").isEqualTo(staged.info());
    assertThat(published.info().scrub().rules()).containsKeys("card", "env-secret");
    assertThat(sha256(core(published))).isEqualTo(published.info().core().sha256());
    try (var left = Files.list(sealing.writeTo().dumpDir())) {
      assertThat(left).isEmpty();
    }
  }

  private DumpWriter.Written write(String sub, long size, StreamSeal seal) throws Exception {
    return write(CaptureSettings.defaults().withDumpDir(dir.resolve(sub)), size, seal);
  }

  private DumpWriter.Written write(CaptureSettings settings, long size, StreamSeal seal)
      throws Exception {
    var proc =
        new ProcSnapshot(
            Map.of(
                "proc/status",
                "Name:\tapp\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n".getBytes(StandardCharsets.UTF_8),
                "proc/cmdline",
                ("app\0--key=" + AWS_ID + "\0").getBytes(StandardCharsets.UTF_8)),
            "/usr/bin/app",
            List.of("app", "--key=" + AWS_ID),
            null,
            0,
            0,
            true,
            List.of());
    var facts =
        new CrashFacts(
            4242, 7, 4243, 8, 11, 1795770000, "web-1", "app", "/usr/bin/app", "unlimited", 0, 0);
    var dump =
        DumpAssembly.of(
            settings,
            new DumpAssembly.Crash(
                "u-1", facts, proc, new CrashVerdict(Decision.CAPTURE, null, null, "")),
            new ArrayList<>());
    return dump.write(
        new Core(size),
        CoreCopier::sha256,
        () -> {},
        new DumpAssembly.Producer("9.9", System.nanoTime(), "node-a"),
        CaptureLog.open(dir.resolve("log")),
        seal);
  }

  private static byte[] core(DumpWriter.Written w) throws Exception {
    return core(w.file(), w.info());
  }

  private static byte[] core(Path zip, DumpInfo info) throws Exception {
    try (ZipFile z = new ZipFile(zip.toFile());
        InputStream in = new ZstdInputStream(z.getInputStream(z.getEntry(info.core().entry())))) {
      return in.readAllBytes();
    }
  }

  private static String entry(Path zip, String name) throws Exception {
    try (ZipFile z = new ZipFile(zip.toFile());
        InputStream in = z.getInputStream(z.getEntry(name))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /**
   * An ELF core streamed like the kernel's: headers, a note with the command line, then one
   * writable segment of {@code size} bytes, zero but for a page of text with secrets every 2 MiB.
   */
  static final class Core implements ReadableByteChannel {
    private static final int HEAD = 4096;
    private final byte[] head = new byte[HEAD];
    private final byte[] secrets;
    private final long total;
    private long pos;

    Core(long size) {
      total = HEAD + size;
      ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
      h.putInt(0x464c457f).put((byte) 2).put((byte) 1).put((byte) 1);
      h.position(16);
      h.putShort((short) 4).putShort((short) 62).putInt(1);
      h.putLong(0).putLong(64).putLong(0).putInt(0);
      h.putShort((short) 64).putShort((short) 56).putShort((short) 2);
      // PT_NOTE, then PT_LOAD (read-write)
      ByteArrayOutputStream notes = new ByteArrayOutputStream();
      ByteBuffer ps = ByteBuffer.allocate(136).order(ByteOrder.LITTLE_ENDIAN);
      ps.position(56);
      ps.put(("app --card " + CARD).getBytes(StandardCharsets.US_ASCII));
      ByteBuffer n = ByteBuffer.allocate(12 + 8 + 136).order(ByteOrder.LITTLE_ENDIAN);
      n.putInt(5).putInt(136).putInt(3).put("CORE\0\0\0\0".getBytes(StandardCharsets.US_ASCII));
      n.put(ps.array());
      notes.writeBytes(n.array());
      long notesAt = 64 + 2 * 56;
      h.position(64);
      h.putInt(4).putInt(4).putLong(notesAt).putLong(0).putLong(0);
      h.putLong(notes.size()).putLong(notes.size()).putLong(4);
      h.putInt(1).putInt(6).putLong(HEAD).putLong(0x10000000L).putLong(0);
      h.putLong(size).putLong(size).putLong(4096);
      h.position((int) notesAt);
      h.put(notes.toByteArray());
      secrets =
          (" card "
                  + CARD
                  + " key "
                  + AWS_ID
                  + " pw "
                  + PASSWORD
                  + " token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl ")
              .getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public int read(ByteBuffer dst) {
      if (pos >= total) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), Math.min(total - pos, 64 << 10));
      for (int i = 0; i < n; i++) {
        dst.put(at(pos + i));
      }
      pos += n;
      return n;
    }

    private byte at(long p) {
      if (p < HEAD) {
        return head[(int) p];
      }
      long rel = (p - HEAD) % (2 << 20);
      // Each 2 MiB has the secrets just before its end, so they cross the 1 MiB windows too.
      long from = (2 << 20) - secrets.length / 2 - (1 << 20);
      if (rel >= from && rel < from + secrets.length) {
        return secrets[(int) (rel - from)];
      }
      return 0;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
