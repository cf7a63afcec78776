package dev.coroner.dump;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Linux signal numbers and names, as the kernel passes them in {@code %s}. */
public final class Signals {
  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(1, "SIGHUP"),
          Map.entry(2, "SIGINT"),
          Map.entry(3, "SIGQUIT"),
          Map.entry(4, "SIGILL"),
          Map.entry(5, "SIGTRAP"),
          Map.entry(6, "SIGABRT"),
          Map.entry(7, "SIGBUS"),
          Map.entry(8, "SIGFPE"),
          Map.entry(9, "SIGKILL"),
          Map.entry(10, "SIGUSR1"),
          Map.entry(11, "SIGSEGV"),
          Map.entry(12, "SIGUSR2"),
          Map.entry(13, "SIGPIPE"),
          Map.entry(14, "SIGALRM"),
          Map.entry(15, "SIGTERM"),
          Map.entry(16, "SIGSTKFLT"),
          Map.entry(17, "SIGCHLD"),
          Map.entry(18, "SIGCONT"),
          Map.entry(19, "SIGSTOP"),
          Map.entry(20, "SIGTSTP"),
          Map.entry(21, "SIGTTIN"),
          Map.entry(22, "SIGTTOU"),
          Map.entry(23, "SIGURG"),
          Map.entry(24, "SIGXCPU"),
          Map.entry(25, "SIGXFSZ"),
          Map.entry(26, "SIGVTALRM"),
          Map.entry(27, "SIGPROF"),
          Map.entry(28, "SIGWINCH"),
          Map.entry(29, "SIGIO"),
          Map.entry(30, "SIGPWR"),
          Map.entry(31, "SIGSYS"));

  private Signals() {}

  /** Signal 0: no signal at all, the signal field of a snapshot of a live process. */
  public static final String LIVE = "live";

  /**
   * The name of a signal number, such as {@code SIGSEGV}, {@code SIG<n>} if unnamed, {@code live}
   * for 0 (a snapshot; nothing killed the process), or {@code unknown} for a missing (negative)
   * number.
   */
  public static String name(int number) {
    if (number == 0) {
      return LIVE;
    }
    if (number < 0) {
      return "unknown";
    }
    String name = NAMES.get(number);
    if (name != null) {
      return name;
    }
    return number >= 34 && number <= 64 ? "SIGRTMIN+" + (number - 34) : "SIG" + number;
  }

  /** Parses a signal given as a number ({@code 11}) or a name ({@code SIGSEGV}, {@code segv}). */
  public static Optional<Integer> parse(String text) {
    String t = text.trim();
    if (t.equalsIgnoreCase(LIVE)) {
      return Optional.of(0);
    }
    if (t.chars().allMatch(Character::isDigit) && !t.isEmpty() && t.length() < 4) {
      return Optional.of(Integer.parseInt(t));
    }
    String upper = t.toUpperCase(Locale.ROOT);
    String wanted = upper.startsWith("SIG") ? upper : "SIG" + upper;
    return NAMES.entrySet().stream()
        .filter(e -> e.getValue().equals(wanted))
        .map(Map.Entry::getKey)
        .findFirst();
  }
}
