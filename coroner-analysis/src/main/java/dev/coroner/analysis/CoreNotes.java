package dev.coroner.analysis;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a Linux core's notes say about the crash: which thread took the signal, which signal, and
 * the files the process had mapped.
 *
 * @param pid the process ID (from NT_PRPSINFO), 0 if absent
 * @param crashingTid the thread of the first NT_PRSTATUS: the kernel writes the thread that took
 *     the fatal signal first
 * @param signal that thread's current signal
 * @param threads the number of threads (NT_PRSTATUS notes)
 * @param files the mapped files (NT_FILE), in the order of their first mapping; the first is
 *     usually the executable
 */
record CoreNotes(int pid, int crashingTid, int signal, int threads, List<String> files) {
  // struct elf_prstatus (x86_64 and aarch64): pr_info (12), pr_cursig at 12, pr_pid at 32.
  private static final int PRSTATUS_CURSIG = 12;
  private static final int PRSTATUS_PID = 32;
  // struct elf_prpsinfo (64-bit): pr_pid after state, sname, zomb, nice, flag, uid, gid.
  private static final int PRPSINFO_PID = 24;

  CoreNotes {
    files = List.copyOf(files);
  }

  static CoreNotes read(Path core) throws IOException {
    int pid = 0;
    int tid = 0;
    int signal = 0;
    int threads = 0;
    List<String> files = new ArrayList<>();
    for (ElfNotes.Note n : ElfNotes.read(core)) {
      if (!n.name().equals("CORE")) {
        continue;
      }
      ByteBuffer d = n.desc();
      switch (n.type()) {
        case ElfNotes.NT_PRSTATUS -> {
          if (threads++ == 0 && d.limit() >= PRSTATUS_PID + 4) {
            signal = d.getShort(PRSTATUS_CURSIG);
            tid = d.getInt(PRSTATUS_PID);
          }
        }
        case ElfNotes.NT_PRPSINFO -> {
          if (d.limit() >= PRPSINFO_PID + 4) {
            pid = d.getInt(PRPSINFO_PID);
          }
        }
        case ElfNotes.NT_FILE -> files = mappedFiles(d);
        default -> {}
      }
    }
    if (threads == 0) {
      throw new IOException(core + " has no NT_PRSTATUS note: not a process core");
    }
    return new CoreNotes(pid, tid, signal, threads, files);
  }

  /**
   * NT_FILE: count, page size, count × (start, end, page offset), then count NUL-terminated names.
   */
  private static List<String> mappedFiles(ByteBuffer d) {
    Set<String> names = new LinkedHashSet<>();
    if (d.limit() < 16) {
      return List.of();
    }
    long count = d.getLong(0);
    if (count < 0 || count > d.limit() / 24) {
      return List.of();
    }
    int start = 16 + (int) count * 24;
    for (int i = start, seen = 0; i < d.limit() && seen < count; i++) {
      if (d.get(i) == 0) {
        byte[] b = new byte[i - start];
        d.get(start, b);
        names.add(new String(b, StandardCharsets.UTF_8));
        seen++;
        start = i + 1;
      }
    }
    return new ArrayList<>(names);
  }
}
