package dev.coroner.store.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dump's dump-info replaced in a new zip: everything else byte for byte, the core intact. */
class DumpInfoRewriteTest {
  @TempDir Path dir;

  /** A dump as the composer writes it: proc files, the zstd core at level 0, dump-info last. */
  static Path dump(Path dir, byte[] core, String... extraEntries) throws Exception {
    ByteArrayOutputStream zstd = new ByteArrayOutputStream();
    try (OutputStream z = new ZstdOutputStream(zstd)) {
      z.write(core);
    }
    return dump(dir, Compression.ZSTD, core, zstd.toByteArray(), extraEntries);
  }

  /**
   * The same with the core entry's bytes given: {@code stored} as the zip holds it (compressed by
   * {@code compression}; the zip deflates it for DEFLATE), {@code core} what dump-info describes.
   */
  static Path dump(
      Path dir, Compression compression, byte[] core, byte[] stored, String... extraEntries)
      throws Exception {
    DumpInfo s = DumpInfoTest.sample();
    String entry = compression.entryName(s.name());
    List<String> files = new java.util.ArrayList<>(List.of("proc/cmdline", "proc/maps"));
    files.addAll(List.of(extraEntries));
    files.add(entry);
    DumpInfo info =
        new DumpInfo(
            s.schemaVersion(),
            s.uuid(),
            s.name(),
            s.timestamp(),
            s.hostname(),
            s.nodeHostname(),
            s.process(),
            s.pod(),
            new DumpInfo.CoreInfo(
                entry,
                compression,
                core.length,
                stored.length,
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(core)),
                (long) core.length),
            s.integrity(),
            files,
            s.composer());
    Path zip = dir.resolve(s.name() + ".zip");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      for (String f : files.subList(0, files.size() - 1)) {
        out.putNextEntry(new ZipEntry(f));
        out.write(("content of " + f + "\n").repeat(100).getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
      out.setLevel(
          compression == Compression.DEFLATE
              ? Deflater.DEFAULT_COMPRESSION
              : Deflater.NO_COMPRESSION);
      out.putNextEntry(new ZipEntry(entry));
      out.write(stored);
      out.closeEntry();
      out.setLevel(Deflater.DEFAULT_COMPRESSION);
      out.putNextEntry(new ZipEntry(DumpInfo.ENTRY));
      out.write(info.toJson().getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    return zip;
  }

  private static byte[] core(int size) {
    byte[] core = new byte[size];
    new Random(7).nextBytes(core);
    System.arraycopy(new byte[] {0x7f, 'E', 'L', 'F'}, 0, core, 0, 4);
    return core;
  }

  @Test
  void theNewDumpInfoIsReadAndTheCoreIsUntouched() throws Exception {
    byte[] core = core(3 << 20);
    Path zip = dump(dir, core, "container.log");
    DumpInfo before;
    byte[] coreEntryBefore;
    try (DumpArchive a = DumpArchive.open(zip)) {
      before = a.info();
      coreEntryBefore = rawEntry(zip, before.core().entry());
    }
    DumpInfo after = DumpInfoTest.analyzed(before);
    DumpInfoRewrite.replace(zip, after);

    try (DumpArchive a = DumpArchive.open(zip)) {
      assertThat(a.info()).isEqualTo(after);
      assertThat(a.entries()).containsAll(before.files()).contains(DumpInfo.ENTRY);
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      a.writeCore(raw); // verifies the sha256 in dump-info
      assertThat(raw.toByteArray()).isEqualTo(core);
    }
    assertThat(rawEntry(zip, before.core().entry())).isEqualTo(coreEntryBefore);
    // Info-ZIP's reader too: the debug pod's fetch step unzips with it.
    if (Files.isExecutable(Path.of("/usr/bin/unzip"))) {
      Process p =
          new ProcessBuilder("unzip", "-tq", zip.toString()).redirectErrorStream(true).start();
      String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(said).isZero();
    }
    assertThat(Files.exists(dir.resolve(zip.getFileName() + ".partial"))).isFalse();
    assertThat(Files.getPosixFilePermissions(zip))
        .containsExactlyInAnyOrderElementsOf(dev.coroner.base.files.AtomicFiles.PRIVATE_FILE);
  }

  @Test
  void aSecondRewriteReplacesTheFirst() throws Exception {
    Path zip = dump(dir, core(64 << 10));
    DumpInfo before;
    try (DumpArchive a = DumpArchive.open(zip)) {
      before = a.info();
    }
    DumpInfoRewrite.replace(zip, DumpInfoTest.analyzed(before));
    DumpInfoRewrite.replace(zip, before);
    try (DumpArchive a = DumpArchive.open(zip);
        ZipFile z = new ZipFile(zip.toFile())) {
      assertThat(a.info()).isEqualTo(before);
      assertThat(z.size()).isEqualTo(before.files().size() + 1);
    }
  }

  @Test
  void anotherCoreOrOtherFilesAreRefusedAndTheZipStaysAsItWas() throws Exception {
    Path zip = dump(dir, core(64 << 10));
    byte[] bytes = Files.readAllBytes(zip);
    DumpInfo before;
    try (DumpArchive a = DumpArchive.open(zip)) {
      before = a.info();
    }
    DumpInfo otherCore =
        new DumpInfo(
            before.schemaVersion(),
            before.uuid(),
            before.name(),
            before.timestamp(),
            before.hostname(),
            before.nodeHostname(),
            before.process(),
            before.pod(),
            new DumpInfo.CoreInfo(
                before.core().entry(),
                before.core().compression(),
                before.core().size(),
                before.core().storedSize(),
                "00".repeat(32),
                before.core().expectedSize()),
            before.integrity(),
            before.files(),
            before.composer());
    assertThatThrownBy(() -> DumpInfoRewrite.replace(zip, otherCore))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Files.readAllBytes(zip)).isEqualTo(bytes);
  }

  @Test
  void aZipWhoseDumpInfoIsNotLastIsNotRewritten() throws Exception {
    Path zip = dir.resolve("odd.zip");
    DumpInfo info = DumpInfoTest.sample();
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      out.putNextEntry(new ZipEntry(DumpInfo.ENTRY));
      out.write(info.toJson().getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
      out.putNextEntry(new ZipEntry("proc/cmdline"));
      out.write(1);
      out.closeEntry();
    }
    assertThatThrownBy(() -> DumpInfoRewrite.replace(zip, info))
        .isInstanceOf(CorruptDumpException.class)
        .hasMessageContaining("not the last entry");
  }

  /** An entry's compressed bytes as stored. */
  private static byte[] rawEntry(Path zip, String name) throws IOException {
    // The local header's position and sizes come from the JDK's reader; the bytes from the file.
    try (ZipFile z = new ZipFile(zip.toFile())) {
      ZipEntry e = z.getEntry(name);
      byte[] all = Files.readAllBytes(zip);
      long compressed = e.getCompressedSize();
      // Find the entry's local header by its name: unique in these zips.
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i + 30 + n.length < all.length; i++) {
        if (all[i] == 'P' && all[i + 1] == 'K' && all[i + 2] == 3 && all[i + 3] == 4) {
          int nameLength = (all[i + 26] & 0xff) | (all[i + 27] & 0xff) << 8;
          int extraLength = (all[i + 28] & 0xff) | (all[i + 29] & 0xff) << 8;
          if (nameLength == n.length
              && java.util.Arrays.equals(all, i + 30, i + 30 + nameLength, n, 0, n.length)) {
            int start = i + 30 + nameLength + extraLength;
            return java.util.Arrays.copyOfRange(all, start, start + (int) compressed);
          }
        }
      }
      throw new AssertionError("no local header for " + name);
    }
  }
}
