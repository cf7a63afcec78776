package dev.coroner.agent.identity;

import dev.coroner.agent.cri.ContainerMetadata;
import dev.coroner.agent.cri.CriClient;
import dev.coroner.agent.cri.CriException;
import dev.coroner.agent.cri.CriSockets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The container runtime as {@link CrashTriage} asks it. The socket is found at the first crash
 * rather than at start, so an agent that starts before the runtime (node boot) still finds it.
 */
public final class RuntimeLookup implements CrashTriage.Lookup, AutoCloseable {
  private final Path hostRoot;
  private final Optional<String> configured;
  private final int logTailLines;
  private final Duration timeout;
  private CriClient client;

  /**
   * @param configured the runtime's socket, or empty to detect it
   * @param timeout the deadline of one lookup; below the composer's wait, so that an answer, even
   *     "unknown", reaches it
   */
  public RuntimeLookup(
      Path hostRoot, Optional<String> configured, int logTailLines, Duration timeout) {
    this.hostRoot = hostRoot;
    this.configured = configured;
    this.logTailLines = logTailLines;
    this.timeout = timeout;
  }

  @Override
  public ContainerMetadata lookup(String containerId) throws CriException {
    return client().lookup(containerId, logTailLines, timeout);
  }

  /** The runtime's name and version, connecting now: for start-up logs. */
  public String describe() throws CriException {
    CriClient c = client();
    return c.version(timeout) + " at " + c.socket();
  }

  private synchronized CriClient client() throws CriException {
    if (client == null) {
      client = CriClient.open(CriSockets.find(hostRoot, configured), hostRoot);
    }
    return client;
  }

  @Override
  public synchronized void close() {
    if (client != null) {
      client.close();
    }
  }
}
