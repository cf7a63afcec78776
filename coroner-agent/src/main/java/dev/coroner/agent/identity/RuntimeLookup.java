package dev.coroner.agent.identity;

import dev.coroner.agent.cri.ContainerMetadata;
import dev.coroner.agent.cri.ContainerProcess;
import dev.coroner.agent.cri.CriClient;
import dev.coroner.agent.cri.CriException;
import dev.coroner.agent.cri.CriSockets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The container runtime as {@link CrashTriage} asks it. The socket is found at the first crash
 * rather than at start, so an agent that starts before the runtime (node boot) still finds it.
 *
 * <p>What the runtime says about a container (pod, image, labels, restart count) never changes for
 * that container ID, so it is remembered: the next crash of the same container (a crash loop, or a
 * process that forks and crashes) costs a read of its log instead of two RPCs made while the node
 * is busy writing a core.
 */
public final class RuntimeLookup implements CrashTriage.Lookup, AutoCloseable {
  private static final int MAX_KNOWN = 1024;

  private final Path hostRoot;
  private final Optional<String> configured;
  private final int logTailLines;
  private final Duration timeout;
  private @Nullable CriClient client;
  private final Map<String, ContainerMetadata> known =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ContainerMetadata> eldest) {
              return size() > MAX_KNOWN;
            }
          });

  /**
   * A lookup that connects to the runtime at its first question.
   *
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
    CriClient c = client();
    ContainerMetadata seen = known.get(containerId);
    if (seen != null) {
      return seen.withLogTail(c.logTail(seen, logTailLines));
    }
    ContainerMetadata fresh = c.lookup(containerId, logTailLines, timeout);
    known.put(containerId, fresh.withLogTail(List.of()));
    return fresh;
  }

  /** The process and cgroup of running container {@code containerId}, asked now (not cached). */
  public ContainerProcess process(String containerId) throws CriException {
    return client().process(containerId, timeout);
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
