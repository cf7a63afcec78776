package dev.coroner.store.archive;

import com.github.luben.zstd.ZstdInputStream;
import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.elf.ElfCoreHeader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/** Reads a dump zip: its dump-info, its entries and the raw core, verified against dump-info. */
public final class DumpArchive implements AutoCloseable {
  private final Path file;
  private final ZipFile zip;
  private final DumpInfo info;

  private DumpArchive(Path file, ZipFile zip, DumpInfo info) {
    this.file = file;
    this.zip = zip;
    this.info = info;
  }

  /**
   * Opens a dump.
   *
   * @throws CorruptDumpException if it is not a readable dump zip with dump-info
   */
  public static DumpArchive open(Path file) throws IOException {
    ZipFile zip;
    try {
      zip = new ZipFile(file.toFile());
    } catch (ZipException e) {
      throw new CorruptDumpException(file + " is not a readable zip: " + e.getMessage(), e);
    }
    try {
      ZipEntry entry = zip.getEntry(DumpInfo.ENTRY);
      if (entry == null) {
        throw new CorruptDumpException(file + " has no " + DumpInfo.ENTRY);
      }
      DumpInfo info;
      try (InputStream in = zip.getInputStream(entry)) {
        byte[] json = in.readNBytes(DumpStreams.MAX_SMALL_ENTRY + 1);
        if (json.length > DumpStreams.MAX_SMALL_ENTRY) {
          throw new CorruptDumpException(
              file
                  + ": "
                  + DumpInfo.ENTRY
                  + " is larger than "
                  + DumpStreams.MAX_SMALL_ENTRY
                  + " bytes");
        }
        info = DumpInfoJson.parse(json);
      } catch (UnsupportedSchemaException e) {
        throw e;
      } catch (IOException e) {
        throw new CorruptDumpException(
            file + ": unreadable " + DumpInfo.ENTRY + ": " + e.getMessage(), e);
      }
      return new DumpArchive(file, zip, info);
    } catch (IOException | RuntimeException e) {
      zip.close();
      throw e;
    }
  }

  /** The dump's dump-info. */
  public DumpInfo info() {
    return info;
  }

  /** The zip file. */
  public Path file() {
    return file;
  }

  /** Entry names in zip order. */
  public List<String> entries() {
    return Collections.list(zip.entries()).stream().map(ZipEntry::getName).toList();
  }

  /**
   * Opens an entry such as {@code proc/maps}; it ends with a {@link CorruptDumpException} past
   * {@link DumpStreams#MAX_SMALL_ENTRY} bytes (no metadata entry is that large; a bomb is).
   */
  public InputStream open(String entryName) throws IOException {
    ZipEntry e = zip.getEntry(entryName);
    if (e == null) {
      throw new CorruptDumpException(file + " has no entry " + entryName);
    }
    InputStream in = zip.getInputStream(e);
    if (entryName.equals(info.core().entry())) {
      return in;
    }
    return new java.io.FilterInputStream(in) {
      private long read;

      @Override
      public int read() throws IOException {
        int b = super.read();
        count(b < 0 ? 0 : 1);
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        count(Math.max(0, n));
        return n;
      }

      private void count(int n) throws CorruptDumpException {
        read += n;
        if (read > DumpStreams.MAX_SMALL_ENTRY) {
          throw new CorruptDumpException(
              file
                  + ": entry "
                  + entryName
                  + " is larger than "
                  + DumpStreams.MAX_SMALL_ENTRY
                  + " bytes");
        }
      }
    };
  }

  /**
   * Writes the raw core, decompressed, to {@code out} and checks it against dump-info's size and
   * sha256.
   *
   * @return the sha256 of what was written
   * @throws CorruptDumpException if the dump has no core or the core does not match
   */
  public String writeCore(OutputStream out) throws IOException {
    DumpInfo.CoreInfo core = info.core();
    if (core.entry() == null) {
      throw new CorruptDumpException(
          file + " holds no core (" + info.integrity().reason() + "); only its metadata was kept");
    }
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long size = 0;
    try (InputStream in = openCore(core, core.entry())) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = read(in, buf, 0)) > 0) {
        if (size + n > core.size()) {
          // A bomb (or damage) that inflates past what was recorded: stop, never fill a disk.
          throw new CorruptDumpException(
              file + ": the core inflates past the " + core.size() + " bytes dump-info records");
        }
        sha.update(buf, 0, n);
        out.write(buf, 0, n); // a failure here is the target's (a full disk), not the dump's
        size += n;
      }
    }
    String hex = HexFormat.of().formatHex(sha.digest());
    if (size != core.size() || !hex.equals(core.sha256())) {
      throw new CorruptDumpException(
          file
              + ": the core does not match dump-info (size "
              + size
              + " vs "
              + core.size()
              + ", sha256 "
              + hex
              + " vs "
              + core.sha256()
              + ")");
    }
    return hex;
  }

  /**
   * Whether the raw core begins as an ELF file does ({@code \x7fELF}). A core the kernel wrote
   * always does; a synthetic, damaged or shaped one need not, and then no debugger can read it.
   * Only the first bytes are read (and decompressed), so this costs nothing next to {@link
   * #writeCore}.
   *
   * @return false for a dump that holds no core
   * @throws CorruptDumpException if the core entry cannot be read or decompressed
   */
  public boolean coreIsElf() throws IOException {
    DumpInfo.CoreInfo core = info.core();
    if (core.entry() == null) {
      return false;
    }
    byte[] start = new byte[4]; // the magic, all ElfCoreHeader needs to tell an ELF file
    int have = 0;
    try (InputStream in = openCore(core, core.entry())) {
      for (int n; have < start.length && (n = read(in, start, have)) > 0; ) {
        have += n;
      }
    }
    return ElfCoreHeader.parse(start, have).elf();
  }

  private InputStream openCore(DumpInfo.CoreInfo core, String entry) throws IOException {
    InputStream raw = open(entry);
    try {
      return core.compression() == Compression.ZSTD ? new ZstdInputStream(raw) : raw;
    } catch (IOException e) {
      raw.close();
      throw new CorruptDumpException(file + ": the core entry is damaged: " + e.getMessage(), e);
    }
  }

  /** A read of the core: any failure here (zip or zstd) means the dump is damaged. */
  private int read(InputStream in, byte[] buf, int off) throws CorruptDumpException {
    try {
      return in.read(buf, off, buf.length - off);
    } catch (IOException e) {
      throw new CorruptDumpException(file + ": the core entry is damaged: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    zip.close();
  }
}
