package dev.coroner.agent.trigger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A container's cgroup, read as the kubelet reads it: the working set is the memory in use minus
 * the inactive page cache (which the kernel reclaims before it kills), the CPU is the usage counter
 * and the quota. cgroup v2 keeps every controller in one directory; v1 keeps memory, cpu and
 * cpuacct in a hierarchy each (docs/agent.md, "Snapshot triggers").
 */
public sealed interface ContainerCgroup {
  /** A v1 limit this high is no limit: the kernel's PAGE_COUNTER_MAX in bytes, rounded down. */
  long V1_UNLIMITED = 1L << 62;

  /**
   * The memory now.
   *
   * @param workingSet bytes in use minus the inactive page cache, as the kubelet counts it
   * @param limit the limit in bytes; empty when there is none
   */
  record Memory(long workingSet, OptionalLong limit) {}

  /**
   * The CPU counter and the quota.
   *
   * @param usageMicros CPU time used since the cgroup was made, in microseconds
   * @param quotaCpus the quota in CPUs ({@code cpu.max} 50000 100000 is 0.5); 0 when there is none
   */
  record Cpu(long usageMicros, double quotaCpus) {}

  /** The memory now. */
  Memory memory() throws IOException;

  /** The CPU counter and quota now. */
  Cpu cpu() throws IOException;

  /** Where it is, for logs. */
  String describe();

  /** A cgroup v2 directory: {@code memory.current}, {@code memory.stat}, {@code cpu.stat}, ... */
  record V2(Path dir) implements ContainerCgroup {
    @Override
    public Memory memory() throws IOException {
      long current = number(dir.resolve("memory.current"));
      long inactive = stat(dir.resolve("memory.stat"), "inactive_file");
      String max = Files.readString(dir.resolve("memory.max")).trim();
      return new Memory(
          Math.max(0, current - inactive),
          max.equals("max") ? OptionalLong.empty() : OptionalLong.of(parse(dir, max)));
    }

    @Override
    public Cpu cpu() throws IOException {
      long usage = stat(dir.resolve("cpu.stat"), "usage_usec");
      // "max 100000" or "50000 100000": quota and period, in microseconds.
      String[] max = Files.readString(dir.resolve("cpu.max")).trim().split("\\s+");
      double quota =
          max.length == 2 && !max[0].equals("max")
              ? parse(dir, max[0]) / (double) Math.max(1, parse(dir, max[1]))
              : 0;
      return new Cpu(usage, quota);
    }

    @Override
    public String describe() {
      return dir.toString();
    }
  }

  /** cgroup v1: a directory in each of the memory, cpu and cpuacct hierarchies. */
  record V1(Path memoryDir, Path cpuDir, Path cpuacctDir) implements ContainerCgroup {
    @Override
    public Memory memory() throws IOException {
      long usage = number(memoryDir.resolve("memory.usage_in_bytes"));
      long inactive = stat(memoryDir.resolve("memory.stat"), "total_inactive_file");
      long limit = number(memoryDir.resolve("memory.limit_in_bytes"));
      return new Memory(
          Math.max(0, usage - inactive),
          limit >= V1_UNLIMITED ? OptionalLong.empty() : OptionalLong.of(limit));
    }

    @Override
    public Cpu cpu() throws IOException {
      long usageNanos = number(cpuacctDir.resolve("cpuacct.usage"));
      long quota = number(cpuDir.resolve("cpu.cfs_quota_us"));
      long period = number(cpuDir.resolve("cpu.cfs_period_us"));
      return new Cpu(usageNanos / 1000, quota > 0 && period > 0 ? quota / (double) period : 0);
    }

    @Override
    public String describe() {
      return memoryDir + ", " + cpuDir + ", " + cpuacctDir;
    }
  }

  private static long number(Path file) throws IOException {
    return parse(file, Files.readString(file).trim());
  }

  private static long parse(Path file, String text) throws IOException {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IOException(file + " holds no number: " + text.length() + " characters", e);
    }
  }

  /** A key's value in a flat-keyed file such as {@code memory.stat}; 0 when it is missing. */
  private static long stat(Path file, String key) throws IOException {
    for (String line : Files.readAllLines(file)) {
      int space = line.indexOf(' ');
      if (space > 0 && line.regionMatches(0, key, 0, space) && space == key.length()) {
        try {
          return Long.parseLong(line.substring(space + 1).trim());
        } catch (NumberFormatException e) {
          throw new IOException(file + " has no number for " + key, e);
        }
      }
    }
    return 0;
  }
}
