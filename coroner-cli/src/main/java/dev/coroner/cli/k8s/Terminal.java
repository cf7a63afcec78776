package dev.coroner.cli.k8s;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The user's terminal for an attached session: raw mode (keys, Ctrl-C included, go to the remote
 * debugger, as kubectl exec -it does), its size, and a callback when the window is resized. Uses
 * {@code stty} on {@code /dev/tty}, so no terminal library is needed.
 */
final class Terminal {
  private static final File TTY = new File("/dev/tty");
  private @Nullable String saved;

  /** Rows and columns. */
  record Size(int rows, int cols) {}

  /** Whether stdin and stdout are a terminal someone types at. */
  // On Java 22+ System.console() is a Console even when redirected (Console.isTerminal() tells,
  // but not on 17): left as it was, a known gap.
  @SuppressWarnings("SystemConsoleNull")
  static boolean interactive() {
    return System.console() != null;
  }

  /** Raw mode without echo; {@link #restore} undoes it. */
  synchronized void enterRaw() {
    saved = stty("-g").orElse(null);
    stty("raw", "-echo");
  }

  /** Back to the settings {@link #enterRaw} found (idempotent; also from a shutdown hook). */
  synchronized void restore() {
    if (saved != null) {
      stty(saved);
      saved = null;
    }
  }

  /** The window's size, if stty can tell. */
  Optional<Size> size() {
    return stty("size").flatMap(Terminal::parseSize);
  }

  /** {@code stty size} prints "rows cols". */
  static Optional<Size> parseSize(String text) {
    String[] parts = text.trim().split("\\s+");
    if (parts.length != 2) {
      return Optional.empty();
    }
    try {
      int rows = Integer.parseInt(parts[0]);
      int cols = Integer.parseInt(parts[1]);
      return rows > 0 && cols > 0 ? Optional.of(new Size(rows, cols)) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Runs {@code action} at every SIGWINCH. Through sun.misc.Signal (the JDK's only way to catch a
   * signal; jdk.unsupported exports it), looked up reflectively so the build stays free of
   * proprietary-API warnings. Returns false where the JVM does not offer it.
   */
  static boolean onResize(Runnable action) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      InvocationHandler forward =
          (proxy, method, args) ->
              switch (method.getName()) {
                case "handle" -> {
                  action.run();
                  yield null;
                }
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> "SIGWINCH handler";
              };
      Object handler =
          Proxy.newProxyInstance(
              Terminal.class.getClassLoader(), new Class<?>[] {handlerType}, forward);
      Object winch = signal.getConstructor(String.class).newInstance("WINCH");
      signal.getMethod("handle", signal, handlerType).invoke(null, winch, handler);
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static Optional<String> stty(String... args) {
    try {
      Process p =
          new ProcessBuilder(concat("stty", args))
              .redirectInput(TTY)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor() == 0 ? Optional.of(out.trim()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static List<String> concat(String first, String... rest) {
    var all = new java.util.ArrayList<String>(List.of(first));
    all.addAll(List.of(rest));
    return all;
  }
}
