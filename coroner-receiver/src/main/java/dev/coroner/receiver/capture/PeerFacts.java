package dev.coroner.receiver.capture;

import dev.coroner.capture.CrashFacts;
import dev.coroner.capture.proc.ProcSnapshot;
import dev.coroner.receiver.CrashingPeer;
import dev.coroner.receiver.elf.CoreNotes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The pipe composer's specifiers, found from the socket's side: the kernel passes no {@code %p %s
 * %i %h %e %c} to a socket, so they come from the peer's pidfd info, /proc (held by the WAIT ack)
 * and the core's notes. Nothing here throws: what cannot be found is unknown, with a warning.
 */
final class PeerFacts {
  private final Path procRoot;
  private final HostnameReader hostnames;

  /** Reads the hostname a task's UTS namespace gives ({@code %h}). */
  interface HostnameReader {
    /** The hostname of {@code peer}'s UTS namespace, when it is not this process's. */
    Optional<String> of(CrashingPeer peer);
  }

  PeerFacts(Path procRoot, HostnameReader hostnames) {
    this.procRoot = procRoot;
    this.hostnames = hostnames;
  }

  /**
   * The facts of a crash. {@code signal} is the notes' or, without them, -1 (or what the kernel's
   * pidfd info says on 6.19+).
   */
  CrashFacts of(CrashingPeer peer, ProcSnapshot proc, CoreNotes notes, List<String> warnings) {
    Path dir = procRoot.resolve(Integer.toString(peer.tgid()));
    String status = text(proc, "proc/status");
    long nsPid = lastNsPid(status).orElse((long) peer.tgid());
    boolean ownNamespace = nsPid != peer.tgid() || nsDepth(status) > 1;
    long tid = notes.tid().isPresent() ? notes.tid().getAsInt() : -1;
    long hostTid = tid < 0 ? -1 : ownNamespace ? hostTid(dir, tid) : tid;
    int signal = notes.signal().orElse(peer.info().coredumpSignal());
    if (signal <= 0) {
      warnings.add("the core's notes name no signal; the signal is unknown");
      signal = -1;
    }
    if (tid < 0) {
      warnings.add("the core's notes name no crashing thread; the thread is unknown");
    } else if (hostTid < 0) {
      warnings.add("thread " + tid + " of the core's notes is not in " + dir.resolve("task"));
    }
    String comm =
        firstLine(dir.resolve("task/" + hostTid + "/comm"))
            .or(() -> firstLine(dir.resolve("comm")))
            .or(notes::command)
            .orElse(null);
    return new CrashFacts(
        peer.tgid(),
        nsPid,
        hostTid,
        tid,
        signal,
        peer.acceptedAt().getEpochSecond(),
        hostname(peer, warnings),
        comm,
        proc.exePath(),
        coreLimit(text(proc, "proc/limits")),
        peer.ruid(),
        peer.rgid());
  }

  private String hostname(CrashingPeer peer, List<String> warnings) {
    String node = firstLine(procRoot.resolve("sys/kernel/hostname")).orElse("unknown");
    if (sameUts(peer)) {
      return node;
    }
    Optional<String> own = hostnames.of(peer);
    if (own.isEmpty()) {
      warnings.add("cannot read the hostname of the process's UTS namespace; it is unknown");
      return "unknown";
    }
    return own.get();
  }

  private boolean sameUts(CrashingPeer peer) {
    try {
      return Files.readSymbolicLink(procRoot.resolve(peer.tgid() + "/ns/uts"))
          .equals(Files.readSymbolicLink(procRoot.resolve("self/ns/uts")));
    } catch (IOException | UnsupportedOperationException e) {
      return true; // no namespaces to tell apart (a fake /proc in tests)
    }
  }

  /** The thread whose innermost pid is {@code tid}: NSpid's last field in each task's status. */
  private static long hostTid(Path dir, long tid) {
    try (Stream<Path> tasks = Files.list(dir.resolve("task"))) {
      for (Path task : tasks.toList()) {
        try {
          String status = Files.readString(task.resolve("status"));
          if (lastNsPid(status).orElse(-1L) == tid) {
            return Long.parseLong(task.getFileName().toString());
          }
        } catch (IOException | NumberFormatException e) {
          // gone meanwhile: another thread, exiting
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /** The innermost pid from {@code NSpid:}, the process's own pid namespace's. */
  static Optional<Long> lastNsPid(String status) {
    String[] f = nsPids(status);
    try {
      return f.length == 0 ? Optional.empty() : Optional.of(Long.parseLong(f[f.length - 1]));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static int nsDepth(String status) {
    return nsPids(status).length;
  }

  private static String[] nsPids(String status) {
    for (String line : status.split("\n")) {
      if (line.startsWith("NSpid:")) {
        String v = line.substring(6).trim();
        return v.isEmpty() ? new String[0] : v.split("\\s+");
      }
    }
    return new String[0];
  }

  /**
   * RLIMIT_CORE's soft value as {@code %c} prints it, from {@code /proc/PID/limits}; null if not
   * there. The socket mode itself ignores it (the kernel dumps whatever the limit).
   */
  static @Nullable String coreLimit(String limits) {
    for (String line : limits.split("\n")) {
      if (line.startsWith("Max core file size")) {
        String[] f = line.substring("Max core file size".length()).trim().split("\\s+");
        if (f.length > 0 && !f[0].isEmpty()) {
          return f[0].equals("unlimited") ? CrashFacts.UNLIMITED : f[0];
        }
      }
    }
    return null;
  }

  private static String text(ProcSnapshot proc, String entry) {
    byte[] b = proc.files().get(entry);
    return b == null ? "" : new String(b, StandardCharsets.UTF_8);
  }

  private static Optional<String> firstLine(Path file) {
    try {
      String s = Files.readString(file).strip();
      return s.isEmpty() ? Optional.empty() : Optional.of(s.lines().findFirst().orElse(s));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
