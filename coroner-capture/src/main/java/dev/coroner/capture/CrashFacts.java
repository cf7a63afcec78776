package dev.coroner.capture;

import org.jspecify.annotations.Nullable;

/**
 * What the kernel says about a crash, however it said it: the pipe composer reads the core_pattern
 * specifiers, the socket receiver the peer's pidfd, /proc and the core's own notes. Numbers are -1
 * and texts null when unknown; a capture goes on without them.
 *
 * @param hostPid the thread group's id on the host ({@code %P})
 * @param pid the same in the process's own pid namespace ({@code %p})
 * @param hostTid the crashing thread's id on the host ({@code %I})
 * @param tid the same in the process's pid namespace ({@code %i})
 * @param signal the signal that dumped ({@code %s})
 * @param timestamp when it dumped, epoch seconds ({@code %t})
 * @param hostname the hostname of the process's UTS namespace ({@code %h}): a pod's own name
 * @param comm the crashing thread's comm, at most 15 bytes ({@code %e})
 * @param exePath the executable's path as the kernel names it ({@code %E})
 * @param coreLimit RLIMIT_CORE as the kernel prints it, {@code 18446744073709551615} when unlimited
 *     ({@code %c})
 * @param uid the real uid ({@code %u})
 * @param gid the real gid ({@code %g})
 */
public record CrashFacts(
    long hostPid,
    long pid,
    long hostTid,
    long tid,
    int signal,
    long timestamp,
    @Nullable String hostname,
    @Nullable String comm,
    @Nullable String exePath,
    @Nullable String coreLimit,
    long uid,
    long gid) {

  /** The kernel's text for an unlimited RLIMIT_CORE. */
  public static final String UNLIMITED = "18446744073709551615";
}
