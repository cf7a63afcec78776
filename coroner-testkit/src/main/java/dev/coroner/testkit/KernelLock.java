package dev.coroner.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * For tests: the machine-wide lock around changes to kernel.core_pattern, which every session on
 * this host shares: {@code /run/coroner-kernel.lock}, taken with flock(1). When an ancestor of this
 * JVM holds it (the build runs under {@code flock /run/coroner-kernel.lock ./mvnw ...}), there is
 * nothing to do; otherwise a child {@code flock} takes it and holds it until {@link #close()}.
 */
public final class KernelLock implements AutoCloseable {
  public static final Path LOCK = Path.of("/run/coroner-kernel.lock");

  private final @Nullable Process holder;

  private KernelLock(@Nullable Process holder) {
    this.holder = holder;
  }

  /** Takes the lock, waiting up to 15 minutes, unless an ancestor holds it. */
  public static KernelLock acquire() throws IOException, InterruptedException {
    if (!Files.exists(LOCK)) {
      Files.createFile(LOCK);
    }
    if (heldByAncestor()) {
      return new KernelLock(null);
    }
    Process p =
        new ProcessBuilder(
                "flock", "-w", "900", LOCK.toString(), "sh", "-c", "echo locked; exec cat")
            .redirectErrorStream(true)
            .start();
    BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = r.readLine();
    if (!"locked".equals(line)) {
      p.destroyForcibly();
      throw new IOException("could not take " + LOCK + ": " + line);
    }
    return new KernelLock(p);
  }

  /** Whether /proc/locks shows a flock on the lock file taken by a process above this one. */
  public static boolean heldByAncestor() throws IOException {
    long ino = ((Number) Files.getAttribute(LOCK, "unix:ino")).longValue();
    for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
      String[] f = line.trim().split("\\s+");
      // 1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF
      if (f.length >= 6 && f[1].equals("FLOCK") && f[5].endsWith(":" + ino)) {
        long pid = Long.parseLong(f[4]);
        for (Optional<ProcessHandle> h = ProcessHandle.current().parent();
            h.isPresent();
            h = h.get().parent()) {
          if (h.get().pid() == pid) {
            return true;
          }
        }
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    if (holder != null) {
      holder.getOutputStream().close();
      try {
        if (!holder.waitFor(10, TimeUnit.SECONDS)) {
          holder.destroyForcibly();
        }
      } catch (InterruptedException e) {
        holder.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
