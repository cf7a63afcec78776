package dev.coroner.agent;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes dumps the way the composer does (a {@code .zip.partial}, then a rename), with a core of
 * random bytes, so upload tests can make many or large ones quickly.
 */
public final class TestDumps {
  private TestDumps() {}

  /**
   * A finished dump with a {@code coreBytes} core that is no ELF file (the agent does not analyze
   * it) and whose recorded sha256 is not checked by the uploads; returns the zip's SHA-256.
   */
  public static Written write(Path dir, long coreBytes, int signal) throws IOException {
    return write(dir, coreBytes, signal, false);
  }

  /**
   * A finished dump whose core begins as an ELF file does, its sha256 recorded right, so the agent
   * reads it whole before the upload.
   */
  public static Written writeElf(Path dir, long coreBytes, int signal) throws IOException {
    return write(dir, coreBytes, signal, true);
  }

  private static Written write(Path dir, long coreBytes, int signal, boolean elf)
      throws IOException {
    Files.createDirectories(dir);
    byte[] block = new byte[8 << 20];
    new Random(coreBytes).nextBytes(block);
    byte[] first = block.clone();
    if (elf) {
      System.arraycopy(new byte[] {0x7f, 'E', 'L', 'F'}, 0, first, 0, 4);
    } else if (first[0] == 0x7f) {
      first[0] = 0;
    }
    String coreSha = elf ? sha256(core(first, block, coreBytes)) : "00".repeat(32);
    String uuid = UUID.randomUUID().toString();
    String name = uuid + "-dump-1795770000-test-host-node-42-" + signal;
    DumpInfo info =
        new DumpInfo(
            DumpInfo.SCHEMA_VERSION,
            uuid,
            name,
            1795770000,
            "test-host",
            "node-1",
            new DumpInfo.ProcessInfo(
                "node",
                "/usr/bin/node",
                List.of("node", "index.js"),
                42,
                4242,
                42,
                4242,
                0,
                0,
                signal,
                null,
                "unlimited",
                true),
            null,
            new DumpInfo.CoreInfo(
                name + ".core", Compression.NONE, coreBytes, coreBytes, coreSha, coreBytes),
            DumpInfo.Integrity.complete(),
            List.of(name + ".core"),
            new DumpInfo.ComposerInfo("test", 1, List.of()));
    // As the composer writes it: NAME.zip.partial, then renamed, so the agent never sees half.
    Path done =
        AtomicFiles.write(
            dir.resolve(name + ".zip"),
            AtomicFiles.PRIVATE_FILE,
            file -> {
              try (ZipOutputStream zip = new ZipOutputStream(file)) {
                zip.setLevel(0);
                zip.putNextEntry(new ZipEntry(name + ".core"));
                core(first, block, coreBytes).transferTo(zip);
                zip.closeEntry();
                zip.putNextEntry(new ZipEntry(DumpInfo.ENTRY));
                zip.write(info.toJson().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
              }
            });
    return new Written(done, name, Files.size(done), sha256(done));
  }

  /** The core's bytes: {@code first}, then {@code block} again and again, {@code size} in all. */
  private static java.io.InputStream core(byte[] first, byte[] block, long size) {
    return new java.io.InputStream() {
      private long at;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (at >= size) {
          return -1;
        }
        byte[] from = at < first.length ? first : block;
        int in = (int) (at % block.length);
        int n = (int) Math.min(Math.min(len, block.length - in), size - at);
        System.arraycopy(from, in, b, off, n);
        at += n;
        return n;
      }
    };
  }

  /** A dump written. */
  public record Written(Path zip, String name, long size, String sha256) {}

  /** The SHA-256 of a file, in hex. */
  public static String sha256(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      return sha256(in);
    }
  }

  static String sha256(java.io.InputStream in) throws IOException {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 20];
      for (int n = in.read(buf); n > 0; n = in.read(buf)) {
        sha.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
