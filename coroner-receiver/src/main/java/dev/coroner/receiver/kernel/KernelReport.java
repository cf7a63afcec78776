package dev.coroner.receiver.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@link KernelSupport#report()} found: whether this kernel can hand cores to a socket, in
 * which form, and whether this process may set such a pattern.
 *
 * @param release the kernel release, e.g. {@code 6.18.44}
 * @param major the release's major number, -1 when it could not be read
 * @param minor the release's minor number, -1 when it could not be read
 * @param socketMode /proc/sys/kernel/core_modes lists {@code socket}
 * @param namespaceProblem why a write of an {@code @} pattern would fail from this mount namespace,
 *     or could not be ruled out; empty when this is the initial one
 */
public record KernelReport(
    String release, int major, int minor, boolean socketMode, Optional<String> namespaceProblem) {

  /** Whether the kernel offers {@code pattern} (the namespace aside). */
  public boolean offers(SocketPattern pattern) {
    return socketMode && pattern.availableIn(major, minor);
  }

  /** Whether {@code pattern} can be set from here and used. */
  public boolean usable(SocketPattern pattern) {
    return problems(pattern).isEmpty();
  }

  /** Each reason {@code pattern} cannot be used, as a sentence; empty when it can. */
  public List<String> problems(SocketPattern pattern) {
    List<String> problems = new ArrayList<>();
    if (!socketMode) {
      problems.add(
          "This kernel ("
              + release
              + ") has no coredump socket mode: /proc/sys/kernel/core_modes does not list"
              + " 'socket' (it needs Linux 6.16 or newer built with CONFIG_UNIX).");
    } else if (major < 0) {
      problems.add(
          "The kernel release '"
              + release
              + "' does not say whether this kernel has the '"
              + pattern.prefix()
              + "' socket pattern (Linux "
              + pattern.since()
              + "+).");
    } else if (!pattern.availableIn(major, minor)) {
      problems.add(
          "This kernel ("
              + release
              + ") has the '@' socket mode but not the '"
              + pattern.prefix()
              + "' form, which needs Linux "
              + pattern.since()
              + " or newer.");
    }
    namespaceProblem.ifPresent(problems::add);
    return problems;
  }
}
