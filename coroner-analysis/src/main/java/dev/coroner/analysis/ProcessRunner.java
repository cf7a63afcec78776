package dev.coroner.analysis;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Runs commands as child processes with a timeout and bounded, cleaned output. */
public final class ProcessRunner implements CommandRunner {
  @Override
  public Result run(Command command) throws IOException, InterruptedException {
    long start = System.nanoTime();
    ProcessBuilder pb = new ProcessBuilder(command.argv());
    pb.environment().putAll(command.env());
    // lldb reads commands from a terminal on stdin when it has one; it must never wait for one.
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p = pb.start();
    AtomicBoolean overflow = new AtomicBoolean();
    Drain out = new Drain(p, p.getInputStream(), command.maxOutputBytes(), overflow);
    Drain err = new Drain(p, p.getErrorStream(), command.maxOutputBytes(), overflow);
    boolean done;
    try {
      done = p.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      if (p.isAlive()) {
        kill(p);
      }
    }
    if (!done) {
      p.waitFor(5, TimeUnit.SECONDS);
    }
    // A grandchild that inherited the pipes could keep them open: do not wait on it forever.
    out.join(5_000);
    err.join(5_000);
    boolean killed = !done || overflow.get();
    return new Result(
        killed ? -1 : p.exitValue(),
        out.text(),
        err.text(),
        !done,
        overflow.get(),
        (System.nanoTime() - start) / 1_000_000);
  }

  /** Descendants first: jhsdb's launcher and lldb's helpers must not outlive the command. */
  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  /** Reads one stream on its own thread, up to a limit, then kills the command. */
  private static final class Drain extends Thread {
    private final Process process;
    private final InputStream in;
    private final int max;
    private final AtomicBoolean overflow;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    Drain(Process process, InputStream in, int max, AtomicBoolean overflow) {
      super("drain-" + process.pid());
      this.process = process;
      this.in = in;
      this.max = max;
      this.overflow = overflow;
      setDaemon(true);
      start();
    }

    @Override
    public void run() {
      byte[] chunk = new byte[8192];
      try (in) {
        for (int n; (n = in.read(chunk)) >= 0; ) {
          int keep = Math.min(n, max - buf.size());
          buf.write(chunk, 0, keep);
          if (keep < n) {
            overflow.set(true);
            kill(process);
            return;
          }
        }
      } catch (IOException e) {
        // the stream closes when the process is killed: what was read is kept
      }
    }

    String text() {
      return Text.clean(buf.toString(StandardCharsets.UTF_8));
    }
  }
}
