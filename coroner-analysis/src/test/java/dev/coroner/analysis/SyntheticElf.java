package dev.coroner.analysis;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Writes small ELF files with one PT_NOTE segment: cores without memory, for the readers. */
final class SyntheticElf {
  private final List<byte[]> notes = new ArrayList<>();

  /** One NT_PRSTATUS for {@code tid}, which took {@code signal}. */
  SyntheticElf thread(int tid, int signal) {
    ByteBuffer d = le(336);
    d.putInt(0, signal); // si_signo
    d.putShort(12, (short) signal); // pr_cursig
    d.putInt(32, tid); // pr_pid
    return note("CORE", ElfNotes.NT_PRSTATUS, d.array());
  }

  SyntheticElf process(int pid) {
    ByteBuffer d = le(136);
    d.putInt(24, pid);
    return note("CORE", ElfNotes.NT_PRPSINFO, d.array());
  }

  /** NT_FILE with one mapping per name (a name may repeat, as with a library's segments). */
  SyntheticElf files(String... names) {
    ByteArrayOutputStream names0 = new ByteArrayOutputStream();
    for (String n : names) {
      names0.writeBytes(n.getBytes(StandardCharsets.UTF_8));
      names0.write(0);
    }
    ByteBuffer d = le(16 + names.length * 24 + names0.size());
    d.putLong(0, names.length);
    d.putLong(8, 4096);
    for (int i = 0; i < names.length; i++) {
      d.putLong(16 + i * 24, 0x400000L + i * 0x1000L);
      d.putLong(16 + i * 24 + 8, 0x401000L + i * 0x1000L);
    }
    d.put(16 + names.length * 24, names0.toByteArray());
    return note("CORE", ElfNotes.NT_FILE, d.array());
  }

  SyntheticElf buildId(String hex) {
    return note("GNU", ElfNotes.NT_GNU_BUILD_ID, HexFormat.of().parseHex(hex));
  }

  SyntheticElf note(String name, int type, byte[] desc) {
    byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = le(12 + pad(n.length) + pad(desc.length));
    b.putInt(n.length).putInt(desc.length).putInt(type);
    b.put(n).position(12 + pad(n.length));
    b.put(desc);
    notes.add(b.array());
    return this;
  }

  /** An ELF64 little-endian file: header, one PT_NOTE program header, the notes. */
  byte[] bytes() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    notes.forEach(all::writeBytes);
    byte[] body = all.toByteArray();
    ByteBuffer b = le(64 + 56 + body.length);
    b.putInt(0, 0x464c457f).put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
    b.putShort(0x10, (short) 4); // ET_CORE
    b.putShort(0x12, (short) 62); // x86_64
    b.putLong(0x20, 64); // e_phoff
    b.putShort(0x34, (short) 64);
    b.putShort(0x36, (short) 56);
    b.putShort(0x38, (short) 1);
    b.putInt(64, 4); // PT_NOTE
    b.putLong(64 + 8, 120); // p_offset
    b.putLong(64 + 32, body.length); // p_filesz
    b.put(120, body);
    return b.array();
  }

  Path write(Path file) throws IOException {
    Files.write(file, bytes());
    return file;
  }

  private static int pad(int n) {
    return (n + 3) & ~3;
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }
}
