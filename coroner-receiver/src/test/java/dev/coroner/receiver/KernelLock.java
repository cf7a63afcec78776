package dev.coroner.receiver;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Holds /run/coroner-kernel.lock, the lock every engineer's kernel tests take before they touch the
 * global core_pattern. Nothing to do when an ancestor already holds it ({@code flock
 * /run/coroner-kernel.lock ./mvnw ...}); else a {@code flock} child holds it until {@link
 * #close()}, or until this JVM dies and the child's stdin closes.
 */
final class KernelLock implements AutoCloseable {
  static final Path FILE = Path.of("/run/coroner-kernel.lock");

  private final Process holder;

  private KernelLock(Process holder) {
    this.holder = holder;
  }

  static KernelLock acquire() throws IOException, InterruptedException {
    if (heldByAncestor()) {
      return new KernelLock(null);
    }
    Process p =
        new ProcessBuilder("flock", FILE.toString(), "sh", "-c", "echo locked; exec cat >/dev/null")
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> line =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return out.readLine();
              } catch (IOException e) {
                return e.toString();
              }
            });
    try {
      // Another engineer's kernel tests may hold it for a while.
      String got = line.get(10, TimeUnit.MINUTES);
      if (!"locked".equals(got)) {
        p.destroyForcibly();
        throw new IOException("flock " + FILE + " failed: " + got);
      }
    } catch (ExecutionException | TimeoutException e) {
      p.destroyForcibly();
      throw new IOException("could not take " + FILE + " within 10 minutes", e);
    }
    return new KernelLock(p);
  }

  /** Whether /proc/locks shows a flock on the file held by a process this JVM descends from. */
  private static boolean heldByAncestor() throws IOException {
    if (!Files.exists(FILE)) {
      return false;
    }
    long inode = ((Number) Files.getAttribute(FILE, "unix:ino")).longValue();
    List<String> locks = Files.readAllLines(Path.of("/proc/locks"));
    for (String line : locks) {
      String[] f = line.trim().split("\\s+");
      // "1: FLOCK  ADVISORY  WRITE 4242 00:19:1234 0 EOF"; waiters have "->" in field 1
      if (f.length < 6 || !f[1].equals("FLOCK") || !f[5].endsWith(":" + inode)) {
        continue;
      }
      long pid = Long.parseLong(f[4]);
      for (Optional<ProcessHandle> p = ProcessHandle.current().parent();
          p.isPresent();
          p = p.get().parent()) {
        if (p.get().pid() == pid) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    if (holder == null) {
      return;
    }
    holder.getOutputStream().close();
    if (!holder.waitFor(10, TimeUnit.SECONDS)) {
      holder.descendants().forEach(ProcessHandle::destroyForcibly);
      holder.destroyForcibly();
    }
  }
}
