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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The ELF files a core's process had mapped, each with the GNU build-id the core records for it:
 * what a kept copy of a binary must match. The paths are the core's NT_FILE note; the build-id is
 * read from the file's first page as the kernel dumped it (coredump_filter bit 4, "ELF headers", on
 * by default): its program headers and the PT_NOTE they point to, as eu-unstrip finds it. Only the
 * headers and notes are read, never the core's memory at large.
 */
public final class CoreModules {
  /**
   * One mapped file.
   *
   * @param path the path the process mapped it from (NT_FILE; may end in {@code " (deleted)"})
   * @param start where its first page was mapped
   * @param buildId its build-id in hex as the core records it; null when the core has none for it
   *     (not ELF, no build-id, or its first page was not dumped)
   */
  public record Module(String path, long start, @Nullable String buildId) {}

  private static final int PT_LOAD = 1;
  private static final int PT_NOTE = 4;
  private static final int PAGE = 4096;
  private static final int MAX_FILES = 65_536;

  private CoreModules() {}

  /** The files the core mapped at offset 0, in NT_FILE order, one per path. */
  public static List<Module> read(Path core) throws IOException {
    List<Mapping> mappings = new ArrayList<>();
    for (ElfNotes.Note n : ElfNotes.read(core)) {
      if (n.name().equals("CORE") && n.type() == ElfNotes.NT_FILE) {
        mappings = mappings(n.desc());
      }
    }
    try (FileChannel ch = FileChannel.open(core, StandardOpenOption.READ)) {
      List<Load> loads = loads(ch);
      Map<String, Module> modules = new LinkedHashMap<>();
      for (Mapping m : mappings) {
        if (m.pageOffset() != 0 || modules.containsKey(m.path())) {
          continue;
        }
        modules.put(m.path(), new Module(m.path(), m.start(), buildId(ch, loads, m.start())));
      }
      return List.copyOf(modules.values());
    }
  }

  private record Mapping(long start, long end, long pageOffset, String path) {}

  private record Load(long vaddr, long offset, long fileSize) {}

  /** NT_FILE: count, page size, count × (start, end, page offset), then count names. */
  private static List<Mapping> mappings(ByteBuffer d) {
    if (d.limit() < 16) {
      return List.of();
    }
    long count = d.getLong(0);
    if (count < 0 || count > MAX_FILES || count > (d.limit() - 16) / 24) {
      return List.of();
    }
    List<Mapping> out = new ArrayList<>();
    int name = 16 + (int) count * 24;
    for (int i = 0; i < count && name < d.limit(); i++) {
      int end = name;
      while (end < d.limit() && d.get(end) != 0) {
        end++;
      }
      byte[] b = new byte[end - name];
      d.get(name, b);
      int at = 16 + i * 24;
      out.add(
          new Mapping(
              d.getLong(at),
              d.getLong(at + 8),
              d.getLong(at + 16),
              new String(b, StandardCharsets.UTF_8)));
      name = end + 1;
    }
    return out;
  }

  private static List<Load> loads(FileChannel ch) throws IOException {
    ByteBuffer eh = ElfNotes.readAt(ch, 0, 64);
    long phoff = eh.getLong(0x20);
    int phentsize = Short.toUnsignedInt(eh.getShort(0x36));
    long phnum = Short.toUnsignedInt(eh.getShort(0x38));
    if (phnum == 0xffff) {
      phnum = Integer.toUnsignedLong(ElfNotes.readAt(ch, eh.getLong(0x28), 64).getInt(0x2c));
    }
    if (phentsize < 56 || phnum > 10_000_000) {
      throw new IOException("a malformed program header table");
    }
    ByteBuffer phs = ElfNotes.readAt(ch, phoff, Math.toIntExact(phnum * phentsize));
    List<Load> loads = new ArrayList<>();
    for (int i = 0; i < phnum; i++) {
      int at = i * phentsize;
      if (phs.getInt(at) == PT_LOAD) {
        loads.add(new Load(phs.getLong(at + 16), phs.getLong(at + 8), phs.getLong(at + 32)));
      }
    }
    return loads;
  }

  /** The build-id in the ELF headers dumped at {@code start}, or null. */
  private static @Nullable String buildId(FileChannel ch, List<Load> loads, long start)
      throws IOException {
    Load load = null;
    for (Load l : loads) {
      if (start >= l.vaddr() && start < l.vaddr() + l.fileSize()) {
        load = l;
        break;
      }
    }
    if (load == null) {
      return null; // the first page was not dumped
    }
    int available = (int) Math.min(PAGE, load.vaddr() + load.fileSize() - start);
    ByteBuffer page = ElfNotes.readAt(ch, load.offset() + (start - load.vaddr()), available);
    if (available < 64 || page.getInt(0) != 0x464c457f || page.get(4) != 2 || page.get(5) != 1) {
      return null;
    }
    long phoff = page.getLong(0x20);
    int phentsize = Short.toUnsignedInt(page.getShort(0x36));
    int phnum = Short.toUnsignedInt(page.getShort(0x38));
    if (phentsize < 56) {
      return null;
    }
    for (int i = 0; i < phnum; i++) {
      long at = phoff + (long) i * phentsize;
      if (at + 56 > available) {
        break;
      }
      if (page.getInt((int) at) != PT_NOTE) {
        continue;
      }
      long offset = page.getLong((int) at + 8);
      long size = page.getLong((int) at + 32);
      if (offset < 0 || size <= 0 || offset + size > available) {
        continue;
      }
      List<ElfNotes.Note> notes = new ArrayList<>();
      ElfNotes.parse(page.slice((int) offset, (int) size).order(ByteOrder.LITTLE_ENDIAN), notes);
      for (ElfNotes.Note n : notes) {
        if (n.type() == ElfNotes.NT_GNU_BUILD_ID && n.name().equals("GNU")) {
          byte[] id = new byte[n.desc().remaining()];
          n.desc().get(id);
          return id.length == 0 ? null : HexFormat.of().formatHex(id);
        }
      }
    }
    return null;
  }
}
