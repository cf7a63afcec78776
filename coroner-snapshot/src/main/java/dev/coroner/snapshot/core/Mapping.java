package dev.coroner.snapshot.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mapping of a process as {@code /proc/PID/smaps} shows it: the maps line, the kernel's {@code
 * VmFlags} and the anonymous and swapped amounts, which stand in for the {@code anon_vma} the
 * kernel's own dump looks at.
 *
 * @param path the file, a {@code [name]} of a special mapping, or "" for anonymous memory
 * @param vmFlags the two-letter flags: {@code dd} (MADV_DONTDUMP), {@code io}, {@code ht}
 *     (hugetlb), {@code sh} (shared), {@code dc} (MADV_DONTFORK), {@code wf} (MADV_WIPEONFORK)
 */
public record Mapping(
    long start,
    long end,
    String perms,
    long offset,
    long inode,
    String path,
    Set<String> vmFlags,
    long anonymousKb,
    long swapKb) {

  private static final Pattern HEADER =
      Pattern.compile(
          "^([0-9a-f]+)-([0-9a-f]+)\\s+(\\S{4})\\s+([0-9a-f]+)\\s+\\S+\\s+(\\d+)\\s*(.*)$");

  public Mapping {
    vmFlags = Set.copyOf(vmFlags);
  }

  /** Its length in bytes. */
  public long size() {
    return end - start;
  }

  /** Whether it is mapped readable. */
  public boolean readable() {
    return perms.charAt(0) == 'r';
  }

  /** Whether it is mapped writable. */
  public boolean writable() {
    return perms.charAt(1) == 'w';
  }

  /** Whether it is mapped executable. */
  public boolean executable() {
    return perms.charAt(2) == 'x';
  }

  /** Whether it is a shared mapping. */
  public boolean shared() {
    return perms.charAt(3) == 's';
  }

  /** Backed by a file (vm_file in the kernel): regular files, shmem, memfd, SysV segments. */
  public boolean fileBacked() {
    return inode != 0 || (!path.isEmpty() && path.charAt(0) == '/');
  }

  /** Anonymous private memory: its pages that were never touched read as zeros. */
  public boolean anonymous() {
    return !fileBacked() && !special();
  }

  /**
   * A special mapping the kernel always dumps ({@code [vdso]}, {@code [vvar]}, {@code [uprobes]}):
   * named in brackets, but not the heap, a stack or a named anonymous region.
   */
  public boolean special() {
    return path.startsWith("[")
        && !path.equals("[heap]")
        && !path.startsWith("[stack")
        && !path.startsWith("[anon");
  }

  /** The vsyscall page: above the user address space, not readable through /proc/PID/mem. */
  public boolean vsyscall() {
    return path.equals("[vsyscall]") || start < 0;
  }

  /** Parses the text of {@code /proc/PID/smaps}; lines it does not know are skipped. */
  public static List<Mapping> parseSmaps(String text) {
    List<Mapping> out = new ArrayList<>();
    Builder current = null;
    for (String line : text.split("\n")) {
      Matcher m = HEADER.matcher(line);
      if (m.matches()) {
        if (current != null) {
          out.add(current.build());
        }
        current = new Builder(m);
        continue;
      }
      if (current == null) {
        continue;
      }
      if (line.startsWith("VmFlags:")) {
        current.flags = Set.of(line.substring("VmFlags:".length()).trim().split("\\s+"));
      } else if (line.startsWith("Anonymous:")) {
        current.anonymousKb = kb(line);
      } else if (line.startsWith("Swap:")) {
        current.swapKb = kb(line);
      }
    }
    if (current != null) {
      out.add(current.build());
    }
    return out;
  }

  private static long kb(String line) {
    String[] f = line.split("\\s+");
    try {
      return f.length > 1 ? Long.parseLong(f[1]) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static final class Builder {
    final long start;
    final long end;
    final String perms;
    final long offset;
    final long inode;
    final String path;
    Set<String> flags = Set.of();
    long anonymousKb;
    long swapKb;

    Builder(Matcher m) {
      start = Long.parseUnsignedLong(m.group(1), 16);
      end = Long.parseUnsignedLong(m.group(2), 16);
      perms = m.group(3);
      offset = Long.parseUnsignedLong(m.group(4), 16);
      inode = Long.parseLong(m.group(5));
      path = m.group(6);
    }

    Mapping build() {
      return new Mapping(start, end, perms, offset, inode, path, flags, anonymousKb, swapKb);
    }
  }
}
