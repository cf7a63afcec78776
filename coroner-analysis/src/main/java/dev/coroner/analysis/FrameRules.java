package dev.coroner.analysis;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Which frames a signature skips (the machinery of signals, aborts and the runtime, which every
 * crash of a kind shares) and which are the application's own ("in-app", as Sentry calls them).
 */
final class FrameRules {
  private static final Set<String> SKIP_NAMES =
      Set.of(
          "raise",
          "abort",
          "gsignal",
          "pthread_kill",
          "_start",
          "__restore_rt",
          "start_thread",
          "clone",
          "clone3",
          "__clone",
          "__clone3",
          "__cxa_throw",
          "__cxa_rethrow",
          "std::terminate",
          "__stack_chk_fail",
          "__fortify_fail",
          "__chk_fail");
  private static final List<String> SKIP_PREFIXES =
      List.of(
          "__pthread_kill",
          "__GI_",
          "__libc_",
          "__assert_",
          "__cxxabiv1::",
          "__gnu_cxx::__verbose_terminate_handler",
          "_Unwind_");
  private static final List<String> NODE_PREFIXES = List.of("node::", "v8::", "Builtins_");
  // The JVM's crash path: the signal handler, the error reporter and the abort it ends in.
  private static final List<String> JVM_PREFIXES =
      List.of(
          "os::",
          "VMError::",
          "PosixSignals::",
          "JVM_handle_linux_signal",
          "signalHandler",
          "javaSignalHandler",
          "crash_handler",
          "report_fatal",
          "report_vm_error",
          "report_vm_out_of_memory",
          "report_java_out_of_memory");
  // glibc, musl, the dynamic loader, the C++ runtime and the vDSO, by file name
  // (libc.so.6, libc-2.31.so, ld-linux-x86-64.so.2, libstdc++.so.6, ...); not "libc-crash".
  private static final Pattern SYSTEM_LIBRARY =
      Pattern.compile(
          "^(?:(?:libc|libm|libpthread|libdl|librt|libresolv|libutil|libstdc\\+\\+|libgcc_s"
              + "|libc\\+\\+|libc\\+\\+abi|libunwind|libatomic)(?:\\.so|-\\d)"
              + "|ld-linux|ld64\\.so|ld-\\d|ld-musl|libc\\.musl|linux-vdso|linux-gate|\\[vdso\\])");
  private static final Set<String> JDK_LIBRARIES =
      Set.of("libjvm.so", "libjava.so", "libjli.so", "libverify.so", "libzip.so", "libnio.so");
  private static final List<String> JDK_PACKAGES =
      List.of("java.", "javax.", "jdk.", "sun.", "com.sun.");

  // Where distributions (and images built on them) keep shared libraries (Sentry's rule too).
  private static final List<String> SYSTEM_DIRS =
      List.of("/lib/", "/lib32/", "/lib64/", "/usr/lib/", "/usr/lib32/", "/usr/lib64/");

  private final RuntimeKind runtime;
  private final Set<String> notInApp;

  private FrameRules(RuntimeKind runtime, Set<String> notInApp) {
    this.runtime = runtime;
    this.notInApp = notInApp;
  }

  /**
   * The rules for a crash of {@code exe}, which had {@code mappedFiles} mapped. Not in-app: the
   * libraries in the system's library directories, the runtime (the node binary and libnode, or
   * every file under the JDK's home, the directory above {@code bin/java}).
   */
  static FrameRules of(RuntimeKind runtime, @Nullable Path exe, List<String> mappedFiles) {
    Set<String> modules = new HashSet<>();
    String exeName = exe == null || exe.getFileName() == null ? null : exe.getFileName().toString();
    for (String f : mappedFiles) {
      if (startsWithAny(f, SYSTEM_DIRS)) {
        modules.add(Text.basename(f));
      }
    }
    if (runtime == RuntimeKind.NODE) {
      modules.add("node");
      mappedFiles.stream()
          .map(Text::basename)
          .filter(f -> f.startsWith("libnode.so"))
          .forEach(modules::add);
    } else if (runtime == RuntimeKind.JAVA) {
      modules.addAll(JDK_LIBRARIES);
      Path home = exe == null || exe.getParent() == null ? null : exe.getParent().getParent();
      if (home != null) {
        String prefix = home + "/";
        mappedFiles.stream()
            .filter(f -> f.startsWith(prefix))
            .map(Text::basename)
            .forEach(modules::add);
      }
    }
    if (exeName != null) {
      // A native program is its own code wherever it lives; node and java are the runtime.
      if (runtime == RuntimeKind.NATIVE) {
        modules.remove(exeName);
      } else {
        modules.add(exeName);
      }
    }
    return new FrameRules(runtime, Set.copyOf(modules));
  }

  /** Frames no signature looks at: markers, unknown code, signal and abort machinery. */
  boolean skip(Frame f) {
    return switch (f.kind()) {
      case Frame.MARKER -> true;
      case Frame.NATIVE -> f.anonymous() || skipNative(f.function());
      default -> false;
    };
  }

  private boolean skipNative(String function) {
    if (function.isEmpty()) {
      return false; // a module and an offset: the key is build-id based
    }
    String name = FrameKeys.nativeFunction(function);
    if (SKIP_NAMES.contains(name) || startsWithAny(name, SKIP_PREFIXES)) {
      return true;
    }
    return switch (runtime) {
      case NODE -> startsWithAny(name, NODE_PREFIXES);
      case JAVA -> startsWithAny(name, JVM_PREFIXES);
      case NATIVE -> false;
    };
  }

  /** The application's own code: not a system library, the runtime, the JDK or node's scripts. */
  boolean inApp(Frame f) {
    return switch (f.kind()) {
      case Frame.JS -> inAppScript(f.file());
      case Frame.JAVA -> !startsWithAny(f.function(), JDK_PACKAGES);
      case Frame.NATIVE ->
          f.module() != null
              && !SYSTEM_LIBRARY.matcher(f.module()).find()
              && !notInApp.contains(f.module());
      default -> false;
    };
  }

  /**
   * A script the program loaded from a file, outside node_modules. Node's own scripts are named
   * {@code node:internal/...} (and, before Node 16, relative names such as {@code events.js}).
   */
  private static boolean inAppScript(@Nullable String script) {
    if (script == null || !(script.startsWith("/") || script.startsWith("file:"))) {
      return false;
    }
    return !script.contains("/node_modules/");
  }

  private static boolean startsWithAny(String s, List<String> prefixes) {
    for (String p : prefixes) {
      if (s.startsWith(p)) {
        return true;
      }
    }
    return false;
  }
}
