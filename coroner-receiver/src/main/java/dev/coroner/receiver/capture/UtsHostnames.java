package dev.coroner.receiver.capture;

import dev.coroner.receiver.CrashingPeer;
import dev.coroner.receiver.sys.Linux;
import dev.coroner.receiver.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The hostname a crashed container's UTS namespace gives it, as the pipe's {@code %h} has it (a
 * pod's name, not the node's). A throwaway thread joins the namespace through the peer's pidfd and
 * reads {@code /proc/sys/kernel/hostname}, which answers for the reading thread's namespace; the
 * thread then ends, so no other thread of the receiver ever sees another hostname. Reading the
 * container's {@code /etc/hostname} instead would follow the container's own symlinks out of it.
 */
final class UtsHostnames implements PeerFacts.HostnameReader {
  private static final int MAX_HOSTNAME = 64;

  private final Syscalls sys;

  UtsHostnames(Syscalls sys) {
    this.sys = sys;
  }

  @Override
  public Optional<String> of(CrashingPeer peer) {
    AtomicReference<String> name = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                sys.setns(peer.pidfd(), Linux.CLONE_NEWUTS);
                name.set(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
              } catch (IOException | RuntimeException e) {
                // unknown: the caller says so
              }
            },
            "coroner-receiver-uts");
    t.setDaemon(true);
    t.start();
    try {
      t.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String n = name.get();
    return n == null || n.isEmpty() || n.length() > MAX_HOSTNAME
        ? Optional.empty()
        : Optional.of(n);
  }
}
