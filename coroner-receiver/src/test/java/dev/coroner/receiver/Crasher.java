package dev.coroner.receiver;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of crasher.c: its child waits, the test learns the child's pid, then releases it and
 * reads how the child died from the parent's wait status.
 */
public final class Crasher implements AutoCloseable {
  private static final Pattern STATUS =
      Pattern.compile("signaled=(\\d+) signal=(\\d+) core=(\\d+)");

  /** How the child ended, from waitpid() in its parent. */
  public record WaitStatus(boolean signaled, int signal, boolean coreDumped) {}

  private final Process process;
  private final BufferedReader out;
  private final int childPid;

  private Crasher(Process process) throws IOException {
    this.process = process;
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String first = out.readLine();
    if (first == null || !first.startsWith("child ")) {
      throw new IOException("crasher did not start: " + first);
    }
    this.childPid = Integer.parseInt(first.substring(6).trim());
  }

  /** Compiles crasher.c into {@code dir}. */
  static Path compile(Path dir) throws IOException, InterruptedException {
    Path source = dir.resolve("crasher.c");
    try (InputStream in = Crasher.class.getResourceAsStream("crasher.c")) {
      Files.copy(in, source);
    }
    Path binary = dir.resolve("crasher");
    Process gcc =
        new ProcessBuilder("gcc", "-O0", "-o", binary.toString(), source.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
      throw new IOException("gcc failed: " + log);
    }
    return binary;
  }

  static Crasher start(Path binary) throws IOException {
    return start(java.util.List.of(binary.toString()));
  }

  /** Runs {@code command}, which ends in the crasher and its arguments (e.g. behind unshare). */
  static Crasher start(java.util.List<String> command) throws IOException {
    return new Crasher(new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  /** The pid of the child that will crash, in the crasher's pid namespace (the host's here). */
  public int childPid() {
    return childPid;
  }

  /** The crashing child's pid on the host: the deepest descendant of what was started. */
  public long hostChildPid() {
    return process
        .descendants()
        .filter(p -> p.children().findAny().isEmpty())
        .mapToLong(ProcessHandle::pid)
        .max()
        .orElse(childPid);
  }

  /** Closes the child's stdin: it crashes now. */
  public void crash() throws IOException {
    process.getOutputStream().close();
  }

  public WaitStatus await() throws IOException, InterruptedException {
    String line = out.readLine();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IOException("crasher did not end");
    }
    Matcher m = line == null ? null : STATUS.matcher(line);
    if (m == null || !m.find()) {
      throw new IOException("crasher printed no wait status: " + line);
    }
    return new WaitStatus(
        m.group(1).equals("1"), Integer.parseInt(m.group(2)), m.group(3).equals("1"));
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }
}
