package dev.coroner.dump.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * A small, well-formed ELF core for training the composer's class-data cache and for tests: an ELF
 * header, one PT_NOTE program header that covers the rest of the file, and mixed content (zeros,
 * text, random bytes) like a real core.
 */
public final class TrainingCore {
  private TrainingCore() {}

  /** A core of exactly {@code size} bytes (at least 120) whose headers announce {@code size}. */
  public static byte[] of(int size) {
    byte[] core = new byte[size];
    byte[] text =
        "hello world; function bar(input) { throw 'Boom!' }\n".getBytes(StandardCharsets.US_ASCII);
    Random random = new Random(42);
    for (int at = 120; at < size; at++) {
      int region = (at / 65536) % 3;
      core[at] = region == 0 ? 0 : region == 1 ? text[at % text.length] : (byte) random.nextInt();
    }
    System.arraycopy(header(size), 0, core, 0, 120);
    return core;
  }

  /** The first 120 bytes of an x86-64 ELF core of {@code size} bytes. */
  public static byte[] header(long size) {
    ByteBuffer b = ByteBuffer.allocate(120).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
    b.position(16);
    b.putShort((short) 4); // e_type ET_CORE
    b.putShort((short) 62); // e_machine x86-64
    b.putInt(1); // e_version
    b.putLong(0); // e_entry
    b.putLong(64); // e_phoff
    b.putLong(0); // e_shoff
    b.putInt(0); // e_flags
    b.putShort((short) 64); // e_ehsize
    b.putShort((short) 56); // e_phentsize
    b.putShort((short) 1); // e_phnum
    b.putShort((short) 64); // e_shentsize
    b.putShort((short) 0); // e_shnum
    b.putShort((short) 0); // e_shstrndx
    b.putInt(4); // p_type PT_NOTE
    b.putInt(0); // p_flags
    b.putLong(120); // p_offset
    b.putLong(0); // p_vaddr
    b.putLong(0); // p_paddr
    b.putLong(size - 120); // p_filesz
    b.putLong(0); // p_memsz
    b.putLong(0); // p_align
    return b.array();
  }
}
