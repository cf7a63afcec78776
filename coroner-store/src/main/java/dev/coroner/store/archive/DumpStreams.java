package dev.coroner.store.archive;

import com.github.luben.zstd.ZstdInputStream;
import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Reads a dump zip once, as a stream (a download that is never written to disk as a zip): the raw
 * core goes straight to its destination, decompressed and hashed on the way, and the small entries
 * are kept in memory. The core is checked against the dump-info the store holds and the zip's own.
 */
public final class DumpStreams {
  /** The most a small entry (proc files, logs, dump-info) may hold: more is not coroner's. */
  public static final int MAX_SMALL_ENTRY = 16 << 20;

  private DumpStreams() {}

  /** The small entries, by name. */
  public record Read(Map<String, byte[]> entries) {}

  /**
   * Streams {@code zip}, writing the raw core of the dump {@code info} describes to {@code core}.
   *
   * @throws CorruptDumpException when the zip is damaged, has no core, holds more than a small
   *     entry may, or its core or dump-info does not match {@code info}
   */
  public static Read extractCore(InputStream zip, DumpInfo info, OutputStream core)
      throws IOException {
    String coreEntry = info.core().entry();
    if (coreEntry == null) {
      throw new CorruptDumpException(info.name() + " holds no core; only its metadata was kept");
    }
    Map<String, byte[]> small = new LinkedHashMap<>();
    boolean sawCore = false;
    try (ZipInputStream in = new ZipInputStream(zip)) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (e.getName().equals(coreEntry)) {
          copyCore(in, info, core);
          sawCore = true;
        } else if (small.put(e.getName(), readSmall(in, e.getName())) != null) {
          throw new CorruptDumpException(info.name() + ": entry " + e.getName() + " appears twice");
        }
      }
    } catch (ZipException e) {
      throw new CorruptDumpException(info.name() + " is not a readable zip: " + e.getMessage(), e);
    }
    if (!sawCore) {
      throw new CorruptDumpException(info.name() + " has no entry " + coreEntry);
    }
    byte[] inner = small.get(DumpInfo.ENTRY);
    if (inner == null) {
      throw new CorruptDumpException(info.name() + " has no " + DumpInfo.ENTRY);
    }
    DumpInfo own = DumpInfoJson.parse(inner);
    if (!own.uuid().equals(info.uuid())
        || !String.valueOf(own.core().sha256()).equals(info.core().sha256())) {
      throw new CorruptDumpException(
          info.name() + ": the zip's dump-info is not the store's (uuid or core sha256 differ)");
    }
    return new Read(small);
  }

  private static void copyCore(InputStream entry, DumpInfo info, OutputStream core)
      throws IOException {
    MessageDigest sha = sha256();
    long size = 0;
    InputStream raw = nonClosing(entry);
    try (InputStream in =
        info.core().compression() == Compression.ZSTD ? new ZstdInputStream(raw) : raw) {
      byte[] buf = new byte[1 << 20];
      for (int n = read(in, buf, info); n > 0; n = read(in, buf, info)) {
        if (size + n > info.core().size()) {
          throw new CorruptDumpException(
              info.name()
                  + ": the core inflates past the "
                  + info.core().size()
                  + " bytes dump-info records");
        }
        sha.update(buf, 0, n);
        core.write(buf, 0, n); // a failure here is the target's (a full disk), not the dump's
        size += n;
      }
    }
    String hex = HexFormat.of().formatHex(sha.digest());
    if (size != info.core().size() || !hex.equals(info.core().sha256())) {
      throw new CorruptDumpException(
          info.name()
              + ": the core does not match dump-info (size "
              + size
              + " vs "
              + info.core().size()
              + ", sha256 "
              + hex
              + " vs "
              + info.core().sha256()
              + ")");
    }
  }

  private static int read(InputStream in, byte[] buf, DumpInfo info) throws CorruptDumpException {
    try {
      return in.read(buf);
    } catch (IOException e) {
      throw new CorruptDumpException(
          info.name() + ": the core entry is damaged: " + e.getMessage(), e);
    }
  }

  private static byte[] readSmall(InputStream in, String name) throws IOException {
    byte[] b = in.readNBytes(MAX_SMALL_ENTRY + 1);
    if (b.length > MAX_SMALL_ENTRY) {
      throw new CorruptDumpException(
          "entry " + name + " is larger than " + MAX_SMALL_ENTRY + " bytes");
    }
    return b;
  }

  private static InputStream nonClosing(InputStream in) {
    return new java.io.FilterInputStream(in) {
      @Override
      public void close() {
        // the zip stream goes on to the next entry
      }
    };
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
