package dev.coroner.cli.k8s;

import dev.coroner.base.threads.DaemonThreads;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * {@code coroner debug --k8s} at a terminal: execs {@code rundebug.sh} in the debug container with
 * a TTY, the user's keyboard on its stdin and its output on the screen, and follows window resizes,
 * like {@code kubectl exec -it}.
 */
final class Attach {
  private Attach() {}

  /** Runs {@code invocation} attached to this terminal; the debugger's exit code. */
  static int run(DebugSession.Target pod, DebugKind.Invocation invocation, Terminal terminal)
      throws InterruptedException {
    // The hook restores the terminal if the JVM is stopped mid-session; restore is idempotent.
    Thread restore = new Thread(terminal::restore, "coroner-terminal-restore");
    Runtime.getRuntime().addShutdownHook(restore);
    terminal.enterRaw();
    try (ExecWatch watch =
        Exec.open(
            () ->
                pod.resource()
                    .inContainer(DebugPodFactory.DEBUG_CONTAINER)
                    .redirectingInput()
                    .writingOutput(System.out)
                    .writingError(System.err)
                    .withTTY()
                    .exec(invocation.argv().toArray(String[]::new)),
            pod)) {
      Runnable resize = () -> terminal.size().ifPresent(s -> watch.resize(s.cols(), s.rows()));
      resize.run();
      Terminal.onResize(resize);
      // A daemon: it sits in a read of the keyboard when the session ends, and must not hold
      // the JVM.
      DaemonThreads.start("coroner-keyboard", () -> pump(watch.getInput()));
      return Exec.exitCode(watch, pod.qualifiedName());
    } finally {
      terminal.restore();
      try {
        Runtime.getRuntime().removeShutdownHook(restore);
      } catch (IllegalStateException e) {
        // Shutting down: the hook restores the terminal.
      }
    }
  }

  /** Keys to the remote terminal as they are typed (raw mode: one read per key press). */
  private static void pump(OutputStream remote) {
    InputStream keyboard = System.in;
    byte[] buf = new byte[1024];
    try {
      int n;
      while ((n = keyboard.read(buf)) >= 0) {
        remote.write(buf, 0, n);
        remote.flush();
      }
    } catch (IOException e) {
      // The session is over (the remote side closed); nothing left to type into.
    }
  }
}
