package dev.coroner.store.archive;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.dump.DumpInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipFile;

/**
 * Replaces a dump's {@code dump-info.json} with a new one (the agent adds the analysis before
 * upload) without touching anything else: a new zip is written through {@code NAME.zip.partial},
 * synced and renamed over the old one, so a reader sees the old dump or the new, never half of one.
 * Every other entry is copied byte for byte (the compressed core is not decompressed or
 * recompressed: a 1 GiB core costs one in-kernel file copy), and the new dump-info must describe
 * the same core, files and uuid: the core's sha256 cannot change.
 *
 * <p>The composer writes dump-info last; the rewrite keeps the bytes before its local header, then
 * appends the new entry and a new central directory (ZIP64 when the offsets need it).
 */
public final class DumpInfoRewrite {
  private static final int LOCAL = 0x04034b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int END = 0x06054b50;
  private static final int END64 = 0x06064b50;
  private static final int END64_LOCATOR = 0x07064b50;
  private static final long MAX32 = 0xffffffffL;
  private static final int MAX16 = 0xffff;
  private static final int UTF8_FLAG = 0x0800;
  private static final int MAX_CENTRAL = 16 << 20;

  private DumpInfoRewrite() {}

  /**
   * Replaces the dump-info of {@code zip} with {@code info}.
   *
   * @throws IllegalArgumentException if {@code info} describes another core, other files or another
   *     dump than the one in the zip
   * @throws CorruptDumpException if the zip is not a dump whose dump-info is its last entry
   */
  public static void replace(Path zip, DumpInfo info) throws IOException {
    DumpInfo old;
    try (DumpArchive archive = DumpArchive.open(zip)) {
      old = archive.info();
    }
    if (!old.uuid().equals(info.uuid())
        || !Objects.equals(old.core(), info.core())
        || !old.files().equals(info.files())) {
      throw new IllegalArgumentException(
          "the new dump-info of " + zip.getFileName() + " describes another core or other files");
    }
    byte[] json = info.toJson().getBytes(StandardCharsets.UTF_8);
    Path partial = AtomicFiles.partialOf(zip);
    Files.deleteIfExists(partial);
    boolean done = false;
    try (FileChannel in = FileChannel.open(zip, StandardOpenOption.READ)) {
      Layout layout = Layout.read(in, zip);
      try (FileChannel out = AtomicFiles.create(partial, AtomicFiles.PRIVATE_FILE)) {
        copy(in, out, layout.keepBytes());
        writeTail(out, layout, json);
        out.force(true);
      }
      check(partial, json);
      AtomicFiles.publish(partial, zip);
      done = true;
    } finally {
      if (!done) {
        Files.deleteIfExists(partial);
      }
    }
  }

  /**
   * Where things are in the old zip.
   *
   * @param keepBytes the bytes before dump-info's local header: kept as they are
   * @param centralHeaders the other entries' central directory headers, raw (read-only)
   * @param entries how many those are
   */
  private record Layout(long keepBytes, ByteBuffer centralHeaders, int entries) {
    static Layout read(FileChannel ch, Path zip) throws IOException {
      long size = ch.size();
      int tailSize = (int) Math.min(size, 22 + MAX16);
      ByteBuffer tail = readAt(ch, size - tailSize, tailSize);
      int eocd = -1;
      for (int i = tailSize - 22; i >= 0; i--) {
        if (tail.getInt(i) == END) {
          eocd = i;
          break;
        }
      }
      if (eocd < 0) {
        throw new CorruptDumpException(zip + ": no end of central directory");
      }
      long entries = Short.toUnsignedInt(tail.getShort(eocd + 10));
      long cdSize = Integer.toUnsignedLong(tail.getInt(eocd + 12));
      long cdOffset = Integer.toUnsignedLong(tail.getInt(eocd + 16));
      if (entries == MAX16 || cdSize == MAX32 || cdOffset == MAX32) {
        long eocdAt = size - tailSize + eocd;
        ByteBuffer locator = readAt(ch, eocdAt - 20, 20);
        if (locator.getInt(0) != END64_LOCATOR) {
          throw new CorruptDumpException(zip + ": no ZIP64 end of central directory locator");
        }
        ByteBuffer end64 = readAt(ch, locator.getLong(8), 56);
        if (end64.getInt(0) != END64) {
          throw new CorruptDumpException(zip + ": no ZIP64 end of central directory");
        }
        entries = end64.getLong(32);
        cdSize = end64.getLong(40);
        cdOffset = end64.getLong(48);
      }
      if (cdSize > MAX_CENTRAL || cdOffset + cdSize > size || entries > cdSize / 46) {
        throw new CorruptDumpException(zip + ": a central directory no dump has");
      }
      ByteBuffer cd = readAt(ch, cdOffset, (int) cdSize);
      ByteArrayOutputStream others = new ByteArrayOutputStream();
      long infoOffset = -1;
      long lastOffset = -1;
      int kept = 0;
      int at = 0;
      for (long i = 0; i < entries; i++) {
        if (at + 46 > cd.limit() || cd.getInt(at) != CENTRAL) {
          throw new CorruptDumpException(zip + ": a damaged central directory");
        }
        int nameLength = Short.toUnsignedInt(cd.getShort(at + 28));
        int extraLength = Short.toUnsignedInt(cd.getShort(at + 30));
        int commentLength = Short.toUnsignedInt(cd.getShort(at + 32));
        int length = 46 + nameLength + extraLength + commentLength;
        if (at + length > cd.limit()) {
          throw new CorruptDumpException(zip + ": a damaged central directory");
        }
        byte[] name = new byte[nameLength];
        cd.get(at + 46, name);
        long offset = localOffset(cd, at, nameLength, extraLength);
        lastOffset = Math.max(lastOffset, offset);
        if (new String(name, StandardCharsets.UTF_8).equals(DumpInfo.ENTRY)) {
          if (infoOffset >= 0) {
            throw new CorruptDumpException(zip + ": two " + DumpInfo.ENTRY + " entries");
          }
          infoOffset = offset;
        } else {
          byte[] header = new byte[length];
          cd.get(at, header);
          others.write(header);
          kept++;
        }
        at += length;
      }
      if (infoOffset < 0 || infoOffset != lastOffset) {
        throw new CorruptDumpException(
            zip + ": " + DumpInfo.ENTRY + " is not the last entry, as coroner writes it");
      }
      if (readAt(ch, infoOffset, 4).getInt(0) != LOCAL) {
        throw new CorruptDumpException(zip + ": no local header at " + infoOffset);
      }
      return new Layout(infoOffset, ByteBuffer.wrap(others.toByteArray()).asReadOnlyBuffer(), kept);
    }

    /** The entry's local header offset: the 32-bit field or, at 0xffffffff, its ZIP64 extra. */
    private static long localOffset(ByteBuffer cd, int at, int nameLength, int extraLength)
        throws CorruptDumpException {
      long offset = Integer.toUnsignedLong(cd.getInt(at + 42));
      if (offset != MAX32) {
        return offset;
      }
      boolean size = Integer.toUnsignedLong(cd.getInt(at + 24)) == MAX32;
      boolean compressed = Integer.toUnsignedLong(cd.getInt(at + 20)) == MAX32;
      int extra = at + 46 + nameLength;
      for (int e = extra; e + 4 <= extra + extraLength; ) {
        int id = Short.toUnsignedInt(cd.getShort(e));
        int length = Short.toUnsignedInt(cd.getShort(e + 2));
        if (id == 1) {
          int field = e + 4 + (size ? 8 : 0) + (compressed ? 8 : 0);
          if (field + 8 <= e + 4 + length) {
            return cd.getLong(field);
          }
        }
        e += 4 + length;
      }
      throw new CorruptDumpException("an entry's ZIP64 offset is missing");
    }
  }

  private static void copy(FileChannel in, FileChannel out, long count) throws IOException {
    for (long done = 0; done < count; ) {
      long n = in.transferTo(done, count - done, out);
      if (n <= 0) {
        throw new IOException("the dump shrank while it was copied");
      }
      done += n;
    }
  }

  private static void writeTail(FileChannel out, Layout layout, byte[] json) throws IOException {
    byte[] name = DumpInfo.ENTRY.getBytes(StandardCharsets.UTF_8);
    byte[] deflated = deflate(json);
    CRC32 crc = new CRC32();
    crc.update(json);
    // A DOS time is local time, as the JDK's ZipOutputStream writes the composer's entries.
    int dosTime = dosTime(LocalDateTime.now(ZoneId.systemDefault()));
    long localAt = layout.keepBytes();

    ByteBuffer local = buffer(30 + name.length);
    local.putInt(LOCAL).putShort((short) 20).putShort((short) UTF8_FLAG).putShort((short) 8);
    local.putInt(dosTime).putInt((int) crc.getValue());
    local.putInt(deflated.length).putInt(json.length);
    local.putShort((short) name.length).putShort((short) 0).put(name);
    write(out, local.flip());
    write(out, ByteBuffer.wrap(deflated));

    boolean offset64 = localAt >= MAX32;
    long cdOffset = localAt + 30 + name.length + deflated.length;
    ByteBuffer central = buffer(46 + name.length + (offset64 ? 12 : 0));
    central.putInt(CENTRAL).putShort((short) (offset64 ? 45 : 20));
    central.putShort((short) (offset64 ? 45 : 20)).putShort((short) UTF8_FLAG);
    central.putShort((short) 8).putInt(dosTime).putInt((int) crc.getValue());
    central.putInt(deflated.length).putInt(json.length);
    central.putShort((short) name.length).putShort((short) (offset64 ? 12 : 0));
    central.putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0);
    central.putInt(offset64 ? (int) MAX32 : (int) localAt).put(name);
    if (offset64) {
      central.putShort((short) 1).putShort((short) 8).putLong(localAt);
    }
    write(out, layout.centralHeaders().duplicate());
    write(out, central.flip());

    long entries = layout.entries() + 1L;
    long cdSize = (long) layout.centralHeaders().remaining() + central.limit();
    long end64At = cdOffset + cdSize;
    if (entries >= MAX16 || cdOffset >= MAX32 || cdSize >= MAX32) {
      ByteBuffer end64 = buffer(56 + 20);
      end64.putInt(END64).putLong(44).putShort((short) 45).putShort((short) 45);
      end64.putInt(0).putInt(0).putLong(entries).putLong(entries);
      end64.putLong(cdSize).putLong(cdOffset);
      end64.putInt(END64_LOCATOR).putInt(0).putLong(end64At).putInt(1);
      write(out, end64.flip());
    }
    ByteBuffer end = buffer(22);
    end.putInt(END).putShort((short) 0).putShort((short) 0);
    end.putShort((short) Math.min(entries, MAX16)).putShort((short) Math.min(entries, MAX16));
    end.putInt((int) Math.min(cdSize, MAX32)).putInt((int) Math.min(cdOffset, MAX32));
    end.putShort((short) 0);
    write(out, end.flip());
  }

  /** Reads the new zip back with the JDK's reader: the same entries and the new dump-info. */
  private static void check(Path partial, byte[] json) throws IOException {
    try (ZipFile z = new ZipFile(partial.toFile())) {
      var entry = z.getEntry(DumpInfo.ENTRY);
      if (entry == null) {
        throw new IOException("the rewritten " + partial + " has no " + DumpInfo.ENTRY);
      }
      try (InputStream in = z.getInputStream(entry)) {
        if (!java.util.Arrays.equals(in.readAllBytes(), json)) {
          throw new IOException("the rewritten " + partial + " reads back another dump-info");
        }
      }
    }
  }

  private static byte[] deflate(byte[] data) {
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    try {
      d.setInput(data);
      d.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
      byte[] buf = new byte[8192];
      while (!d.finished()) {
        out.write(buf, 0, d.deflate(buf));
      }
      return out.toByteArray();
    } finally {
      d.end();
    }
  }

  private static int dosTime(LocalDateTime t) {
    int year = Math.max(1980, t.getYear());
    return (year - 1980) << 25
        | t.getMonthValue() << 21
        | t.getDayOfMonth() << 16
        | t.getHour() << 11
        | t.getMinute() << 5
        | t.getSecond() >> 1;
  }

  private static ByteBuffer buffer(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void write(FileChannel out, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      out.write(b);
    }
  }

  private static ByteBuffer readAt(FileChannel ch, long position, int size) throws IOException {
    if (position < 0 || size < 0) {
      throw new CorruptDumpException("a zip offset outside the file");
    }
    ByteBuffer b = buffer(size);
    while (b.hasRemaining()) {
      if (ch.read(b, position + b.position()) < 0) {
        throw new CorruptDumpException("the zip ends early");
      }
    }
    return b.flip();
  }
}
