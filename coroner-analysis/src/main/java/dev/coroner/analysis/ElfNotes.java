package dev.coroner.analysis;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The notes (PT_NOTE segments) of a 64-bit little-endian ELF file: a core's thread and file notes,
 * an executable's build-id. Reads only the headers and the notes, never the core's memory.
 */
final class ElfNotes {
  /** One note: owner name, type and descriptor bytes. */
  record Note(String name, int type, ByteBuffer desc) {}

  static final int NT_PRSTATUS = 1;
  static final int NT_PRPSINFO = 3;
  static final int NT_GNU_BUILD_ID = 3;
  static final int NT_FILE = 0x46494c45;

  private static final int PT_NOTE = 4;
  private static final int PN_XNUM = 0xffff;
  // A core of a process with tens of thousands of threads has notes of some tens of MiB; more
  // than this is not a core this reader should trust.
  private static final long MAX_NOTES = 256L << 20;

  private ElfNotes() {}

  static List<Note> read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer eh = readAt(ch, 0, 64);
      if (eh.getInt(0) != 0x464c457f) {
        throw new IOException(file + " is not an ELF file");
      }
      if (eh.get(4) != 2 || eh.get(5) != 1) {
        throw new IOException(file + " is not a 64-bit little-endian ELF file");
      }
      long phoff = eh.getLong(0x20);
      int phentsize = Short.toUnsignedInt(eh.getShort(0x36));
      long phnum = Short.toUnsignedInt(eh.getShort(0x38));
      if (phnum == PN_XNUM) {
        // More than 65534 segments (a big JVM's core): the count is in section 0's sh_info.
        long shoff = eh.getLong(0x28);
        phnum = Integer.toUnsignedLong(readAt(ch, shoff, 64).getInt(0x2c));
      }
      if (phentsize < 56 || phnum > 10_000_000) {
        throw new IOException(file + " has a malformed program header table");
      }
      List<Note> notes = new ArrayList<>();
      long total = 0;
      ByteBuffer phs = readAt(ch, phoff, Math.toIntExact(phnum * phentsize));
      for (int i = 0; i < phnum; i++) {
        int at = i * phentsize;
        if (phs.getInt(at) != PT_NOTE) {
          continue;
        }
        long offset = phs.getLong(at + 8);
        long size = phs.getLong(at + 32);
        total += size;
        if (size < 0 || total > MAX_NOTES) {
          throw new IOException(file + " has more note data than a core should");
        }
        parse(readAt(ch, offset, (int) size), notes);
      }
      return notes;
    }
  }

  /** The GNU build-id of an executable or library in hex, or null when it has none. */
  static @Nullable String buildId(Path elf) throws IOException {
    for (Note n : read(elf)) {
      if (n.type() == NT_GNU_BUILD_ID && n.name().equals("GNU")) {
        byte[] id = new byte[n.desc().remaining()];
        n.desc().get(id);
        return HexFormat.of().formatHex(id);
      }
    }
    return null;
  }

  static void parse(ByteBuffer b, List<Note> out) {
    while (b.remaining() >= 12) {
      int namesz = b.getInt();
      int descsz = b.getInt();
      int type = b.getInt();
      long namePadded = align4(Integer.toUnsignedLong(namesz));
      long descPadded = align4(Integer.toUnsignedLong(descsz));
      if (namePadded + descPadded > b.remaining()) {
        return; // truncated core: keep the notes read so far
      }
      byte[] name = new byte[namesz];
      b.get(name);
      b.position(b.position() + (int) (namePadded - namesz));
      ByteBuffer desc = b.slice(b.position(), descsz).order(ByteOrder.LITTLE_ENDIAN);
      b.position(b.position() + (int) descPadded);
      int len = namesz > 0 && name[namesz - 1] == 0 ? namesz - 1 : namesz;
      out.add(new Note(new String(name, 0, len, StandardCharsets.US_ASCII), type, desc));
    }
  }

  private static long align4(long n) {
    return (n + 3) & ~3L;
  }

  static ByteBuffer readAt(FileChannel ch, long position, int size) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      int n = ch.read(b, position + b.position());
      if (n < 0) {
        break; // a truncated file: the caller sees what was there, zero-filled
      }
    }
    return b.clear();
  }
}
