package dev.coroner.receiver;

import dev.coroner.receiver.elf.CoreHead;
import dev.coroner.receiver.elf.CoreNotes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test handler: takes the cores of the pids the test started (and rejects every other crash,
 * which belongs to no test), reads them through, and records what it saw.
 */
class RecordingHandler implements CoredumpHandler {

  /** What one crash looked like to the handler. */
  record Seen(
      CrashingPeer peer,
      Optional<String> commAtDecide,
      long bytes,
      CoreNotes notes,
      boolean procAliveAfterEof,
      CoreOutcome outcome) {}

  final Set<Integer> expected = ConcurrentHashMap.newKeySet();
  final Map<Integer, Seen> seen = new ConcurrentHashMap<>();
  private final Map<Integer, Seen> reading = new ConcurrentHashMap<>();
  volatile boolean rejectAll;

  @Override
  public Decision decide(CrashingPeer peer) throws IOException {
    if (!expected.contains(peer.tgid())) {
      return Decision.reject("pid " + peer.tgid() + " was not started by this test");
    }
    Optional<String> comm = readComm(peer);
    reading.put(peer.tgid(), new Seen(peer, comm, 0, CoreNotes.UNKNOWN, false, null));
    return rejectAll ? Decision.reject("the test rejects it") : Decision.accept();
  }

  @Override
  public void receive(CrashingPeer peer, ReadableByteChannel core) throws IOException {
    CoreHead head = new CoreHead(core);
    ByteBuffer buf = ByteBuffer.allocate(128 * 1024);
    while (head.read(buf.clear()) >= 0) {
      consumed(peer, buf.position());
    }
    boolean alive = Files.exists(peer.procDir().resolve("status"));
    reading.computeIfPresent(
        peer.tgid(),
        (k, s) -> new Seen(s.peer(), s.commAtDecide(), head.total(), head.notes(), alive, null));
  }

  /** Called after each read; tests override it to stall. */
  void consumed(CrashingPeer peer, int n) throws IOException {}

  @Override
  public void ended(CrashingPeer peer, CoreOutcome outcome) {
    Seen s = reading.remove(peer.tgid());
    if (s == null) {
      s = new Seen(peer, Optional.empty(), 0, CoreNotes.UNKNOWN, false, null);
    }
    seen.put(
        peer.tgid(),
        new Seen(s.peer(), s.commAtDecide(), s.bytes(), s.notes(), s.procAliveAfterEof(), outcome));
  }

  private static Optional<String> readComm(CrashingPeer peer) {
    try {
      return Optional.of(Files.readString(peer.procDir().resolve("comm")).trim());
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
