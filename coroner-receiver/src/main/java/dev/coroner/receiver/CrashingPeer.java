package dev.coroner.receiver;

import dev.coroner.receiver.kernel.PidfdInfo;
import dev.coroner.receiver.kernel.SocketPattern;
import dev.coroner.receiver.sys.PeerCredentials;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The task the kernel is dumping, as the server learnt it before the ack: from the connection's
 * SO_PEERPIDFD and PIDFD_GET_INFO, and SO_PEERCRED. Ids are as seen in the server's pid and user
 * namespaces (the host's, with hostPID).
 *
 * @param connection the server's number for this connection, from 1
 * @param acceptedAt when the connection was accepted (the kernel gives no crash time)
 * @param pidfd a pidfd for the crashing thread group, owned by the server: valid until {@link
 *     CoredumpHandler#ended} returns, e.g. to poll it and read PIDFD_INFO_EXIT after the task exits
 * @param info the pidfd's info: tgid, credentials, cgroup id, coredump_mask
 * @param credentials SO_PEERCRED: the crashing tgid with its effective uid and gid
 * @param pattern the core_pattern form the server speaks
 */
public record CrashingPeer(
    long connection,
    Instant acceptedAt,
    int pidfd,
    PidfdInfo info,
    PeerCredentials credentials,
    SocketPattern pattern) {

  /** The crashing thread group's id ({@code %P}). */
  public int tgid() {
    return info.tgid();
  }

  /** Real uid ({@code %u}). */
  public int ruid() {
    return info.ruid();
  }

  /** Real gid ({@code %g}). */
  public int rgid() {
    return info.rgid();
  }

  /** {@code PIDFD_COREDUMPED} plus {@code PIDFD_COREDUMP_USER} or {@code _ROOT}. */
  public int coredumpMask() {
    return info.coredumpMask();
  }

  /**
   * The kernel marked the dump sensitive ({@code PIDFD_COREDUMP_ROOT}: fs.suid_dumpable=2 for a
   * setuid or otherwise undumpable task): keep it from ordinary users.
   */
  public boolean sensitive() {
    return info.isSensitiveDump();
  }

  /**
   * {@code /proc/TGID}: readable while the kernel holds the task, that is before the ack and, with
   * WAIT (always asked in {@code @@} mode), until the connection closes.
   */
  public Path procDir() {
    return Path.of("/proc", Integer.toString(tgid()));
  }
}
