package dev.coroner.snapshot.core;

/**
 * How much of each mapping goes into the core, decided as the kernel's {@code vma_dump_size}
 * (fs/coredump.c) does, from {@code /proc/PID/coredump_filter} and the mapping's flags: the vDSO
 * always; nothing of MADV_DONTDUMP or I/O mappings; hugetlb, shared and private mappings by their
 * filter bits; and the first page of an ELF file mapped from its start (it holds the build-id). The
 * kernel's {@code anon_vma} is not visible from user space: a mapping with anonymous or swapped
 * pages in smaps stands in for it.
 */
public record DumpFilter(long bits) {
  public static final long ANON_PRIVATE = 1;
  public static final long ANON_SHARED = 1 << 1;
  public static final long MAPPED_PRIVATE = 1 << 2;
  public static final long MAPPED_SHARED = 1 << 3;
  public static final long ELF_HEADERS = 1 << 4;
  public static final long HUGETLB_PRIVATE = 1 << 5;
  public static final long HUGETLB_SHARED = 1 << 6;

  /** The kernel's default, 0x33: anonymous memory, ELF headers and private hugetlb pages. */
  public static final DumpFilter DEFAULT = new DumpFilter(0x33);

  /** What the core gets of one mapping. */
  public enum Extent {
    /** Not in the core's data (a program header with no file bytes). */
    NONE,
    /** The first page, if the mapping starts with the ELF magic. */
    ELF_HEADER_PAGE,
    /** All of it. */
    WHOLE
  }

  /** Parses the hex text of {@code /proc/PID/coredump_filter}; the default if it is unreadable. */
  public static DumpFilter parse(String text) {
    try {
      return new DumpFilter(Long.parseLong(text.trim(), 16));
    } catch (NumberFormatException e) {
      return DEFAULT;
    }
  }

  private boolean has(long bit) {
    return (bits & bit) != 0;
  }

  /** The extent of {@code m} in the core. */
  public Extent extent(Mapping m) {
    if (m.special()) {
      return Extent.WHOLE;
    }
    if (m.vmFlags().contains("dd")) {
      return Extent.NONE;
    }
    if (m.vmFlags().contains("ht")) {
      return has(m.shared() ? HUGETLB_SHARED : HUGETLB_PRIVATE) ? Extent.WHOLE : Extent.NONE;
    }
    if (m.vmFlags().contains("io")) {
      return Extent.NONE;
    }
    if (m.shared()) {
      // The kernel asks whether the file has no links left (shmem, memfd, SysV, a deleted file).
      boolean anonShared = m.path().isEmpty() || m.path().endsWith(" (deleted)");
      return has(anonShared ? ANON_SHARED : MAPPED_SHARED) ? Extent.WHOLE : Extent.NONE;
    }
    if ((m.anonymousKb() > 0 || m.swapKb() > 0) && has(ANON_PRIVATE)) {
      return Extent.WHOLE;
    }
    if (!m.fileBacked()) {
      return Extent.NONE;
    }
    if (has(MAPPED_PRIVATE)) {
      return Extent.WHOLE;
    }
    if (has(ELF_HEADERS) && m.offset() == 0 && m.readable()) {
      return Extent.ELF_HEADER_PAGE;
    }
    return Extent.NONE;
  }
}
