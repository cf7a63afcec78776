package dev.coroner.receiver.capture;

import dev.coroner.receiver.CrashingPeer;
import dev.coroner.receiver.kernel.PidfdInfo;
import dev.coroner.receiver.sys.Linux;
import dev.coroner.receiver.sys.Syscalls;
import java.io.IOException;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * The signal a rejected task died of, for its metadata-only dump: a rejected core has no notes, and
 * 6.18 gives no PIDFD_INFO_COREDUMP_SIGNAL, so once the connection is closed the task exits and its
 * pidfd's PIDFD_INFO_EXIT holds the wait status (after its parent reaped it).
 */
final class ExitSignal {
  private ExitSignal() {}

  /** The signal, waiting for the exit at most {@code wait}; empty if it did not come. */
  static OptionalInt await(Syscalls sys, CrashingPeer peer, Duration wait) {
    if (peer.info().coredumpSignal() > 0) {
      return OptionalInt.of(peer.info().coredumpSignal());
    }
    long end = System.nanoTime() + wait.toNanos();
    try {
      while (true) {
        PidfdInfo info =
            PidfdInfo.parse(
                sys.pidfdInfo(peer.pidfd(), PidfdInfo.PIDFD_INFO_EXIT, PidfdInfo.SIZE_VER1));
        int status = info.exitCode();
        if (status >= 0) {
          int signal = status & 0x7f;
          return signal == 0 ? OptionalInt.empty() : OptionalInt.of(signal);
        }
        long left = end - System.nanoTime();
        if (left <= 0) {
          return OptionalInt.empty();
        }
        // A pidfd polls readable when the thread group has exited; reaping comes soon after.
        int ms = (int) Math.max(1, Math.min(left / 1_000_000, 20));
        sys.poll(new int[] {peer.pidfd()}, Linux.POLLIN, ms);
        if (end - System.nanoTime() > 0) {
          Thread.sleep(Math.min(5, ms));
        }
      }
    } catch (IOException e) {
      return OptionalInt.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalInt.empty();
    }
  }
}
