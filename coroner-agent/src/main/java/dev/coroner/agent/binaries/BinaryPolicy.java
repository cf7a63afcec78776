package dev.coroner.agent.binaries;

import dev.coroner.base.units.ByteSizes;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which of a crashed process's files are kept in the store.
 *
 * @param enabled whether any are ({@code CORONER_BINARIES})
 * @param maxSize the largest file kept ({@code CORONER_BINARIES_MAX_SIZE})
 * @param skipRuntimes runtimes whose files are not kept ({@code CORONER_BINARIES_SKIP_RUNTIMES}):
 *     {@code node}, {@code java}, {@code native}
 */
public record BinaryPolicy(boolean enabled, long maxSize, Set<String> skipRuntimes) {
  public BinaryPolicy {
    skipRuntimes = Set.copyOf(skipRuntimes);
  }

  /** Why a file of this size and runtime is not kept; null when it is. */
  @Nullable String refusal(long size, String runtime) {
    if (skipRuntimes.contains(runtime)) {
      return "the files of " + runtime + " crashes are not kept (CORONER_BINARIES_SKIP_RUNTIMES)";
    }
    if (size > maxSize) {
      return "larger than "
          + ByteSizes.format(maxSize)
          + " ("
          + ByteSizes.format(size)
          + "; CORONER_BINARIES_MAX_SIZE)";
    }
    return null;
  }
}
