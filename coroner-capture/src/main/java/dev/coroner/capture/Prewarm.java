package dev.coroner.capture;

import com.github.luben.zstd.Zstd;
import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.capture.identity.AgentClient;
import dev.coroner.capture.write.CoreCopier;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;

/**
 * Initialises the expensive parts of a capture on a second thread while the main thread reads the
 * settings and /proc: the JDK's security providers behind {@code
 * MessageDigest.getInstance("SHA-256")} take 20-30 ms on first use, and zstd-jni loads its native
 * library. Both would otherwise stall the dying process, as would loading the classes that ask the
 * node agent who crashed.
 */
public final class Prewarm {
  /** 4 MiB: measured to bring the first 48 MiB core from 115 to 90 ms; more did not help. */
  private static final int WARM_BLOCKS = 64;

  private final CompletableFuture<MessageDigest> digest;

  private Prewarm(CompletableFuture<MessageDigest> digest) {
    this.digest = digest;
  }

  /** Starts the prewarm thread. */
  public static Prewarm start() {
    CompletableFuture<MessageDigest> digest = new CompletableFuture<>();
    DaemonThreads.start(
        "coroner-prewarm",
        () -> {
          try {
            digest.complete(CoreCopier.sha256());
            Zstd.defaultCompressionLevel();
            // Get SHA-256 compiled by C2 (which uses the CPU's SHA instructions) before the
            // core arrives: interpreted it runs at a tenth of the speed.
            MessageDigest warm = CoreCopier.sha256();
            byte[] block = new byte[64 << 10];
            for (int i = 0; i < WARM_BLOCKS; i++) {
              warm.update(block);
            }
          } catch (Throwable e) {
            digest.completeExceptionally(e);
          }
        });
    return new Prewarm(digest);
  }

  /**
   * With a node agent to ask: loads what asking needs on a thread of its own, while the main thread
   * reads /proc (one host without an agent never pays for it). The installer's training run sets an
   * agent socket, so these classes are in the trained archive too.
   */
  public static void agentPath() {
    DaemonThreads.start("coroner-prewarm-agent", AgentClient::warmUp);
  }

  /** The SHA-256 digest, waiting for the warm-up if needed. */
  public MessageDigest sha256() {
    try {
      return digest.join();
    } catch (RuntimeException e) {
      return CoreCopier.sha256();
    }
  }
}
