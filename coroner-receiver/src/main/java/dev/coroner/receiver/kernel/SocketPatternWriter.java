package dev.coroner.receiver.kernel;

import java.io.IOException;

/**
 * Writes an {@code @} core_pattern for a process the kernel would refuse it from: {@code
 * check_coredump_socket()} takes one only from a writer in the initial mount namespace (EINVAL
 * otherwise), so a receiver in a pod hands the write to a helper that runs there (the agent's runs
 * {@code nsenter -t 1 -m}). {@link KernelSupport#trySet} still reads the value back.
 */
@FunctionalInterface
public interface SocketPatternWriter {
  /**
   * Writes {@code pattern} to the kernel's core_pattern.
   *
   * @throws IOException the write failed; the message says what is missing
   */
  void write(String pattern) throws IOException;
}
