package dev.coroner.snapshot.freeze;

import dev.coroner.snapshot.sys.ErrnoException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** Why the kernel refused to let us trace a process, in words that say what to do. */
final class PtraceRefusal {
  private PtraceRefusal() {}

  static String explain(Path procRoot, int pid, ErrnoException e) {
    String tracer = statusField(procRoot, pid, "TracerPid:");
    if (tracer != null && !tracer.equals("0")) {
      String comm = read(procRoot.resolve(tracer + "/comm"));
      return "process "
          + pid
          + " is already traced by process "
          + tracer
          + (comm == null ? "" : " (" + comm.strip() + ")")
          + ": a process has one tracer at a time; detach that debugger or strace, then retry";
    }
    String yama = read(procRoot.resolve("sys/kernel/yama/ptrace_scope"));
    StringBuilder why =
        new StringBuilder("the kernel refused to trace process ")
            .append(pid)
            .append(" (")
            .append(ErrnoException.describe(e.errno()))
            .append(")");
    if (yama != null && yama.strip().equals("3")) {
      why.append(": kernel.yama.ptrace_scope is 3, which forbids ptrace to everyone until reboot");
      return why.toString();
    }
    why.append(": run coroner as root or with CAP_SYS_PTRACE");
    if (yama != null && !yama.strip().equals("0")) {
      why.append(" (kernel.yama.ptrace_scope is ").append(yama.strip()).append(")");
    }
    why.append("; without it, only a process of your own user that is dumpable can be traced");
    return why.toString();
  }

  static @Nullable String statusField(Path procRoot, int pid, String key) {
    String status = read(procRoot.resolve(pid + "/status"));
    if (status == null) {
      return null;
    }
    for (String line : status.split("\n")) {
      if (line.startsWith(key)) {
        return line.substring(key.length()).strip();
      }
    }
    return null;
  }

  private static @Nullable String read(Path p) {
    try {
      return new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
