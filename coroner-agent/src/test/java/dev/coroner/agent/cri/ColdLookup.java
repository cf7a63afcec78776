package dev.coroner.agent.cri;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One lookup in a fresh JVM, as the agent's first crash would see it: prints the time to open the
 * client and look up, class loading included, and the process's RSS after. Args: socket, container
 * ID.
 */
public final class ColdLookup {
  private ColdLookup() {}

  public static void main(String[] args) throws Exception {
    long start = System.nanoTime();
    try (CriClient client = CriClient.open(Path.of(args[0]), Path.of("/"))) {
      ContainerMetadata md = client.lookup(args[1], 500, Duration.ofSeconds(5));
      long first = System.nanoTime() - start;
      start = System.nanoTime();
      client.lookup(args[1], 500, Duration.ofSeconds(5));
      long second = System.nanoTime() - start;
      String rss =
          Files.readAllLines(Path.of("/proc/self/status")).stream()
              .filter(l -> l.startsWith("VmRSS:"))
              .findFirst()
              .orElse("VmRSS: ?")
              .replaceAll("\\s+", " ");
      System.out.printf(
          "%s/%s first %.1f ms, second %.1f ms; %s%n",
          md.podNamespace(), md.podName(), first / 1e6, second / 1e6, rss);
    }
  }
}
