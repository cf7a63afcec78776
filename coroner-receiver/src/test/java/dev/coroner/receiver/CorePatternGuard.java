package dev.coroner.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.receiver.kernel.KernelSupport;
import dev.coroner.receiver.kernel.PatternChange;
import dev.coroner.testkit.KernelLock;
import java.io.IOException;

/**
 * Points the global core_pattern somewhere for one test and puts the exact previous value back on
 * close. Use only while holding {@link KernelLock}.
 */
final class CorePatternGuard implements AutoCloseable {
  private final KernelSupport kernel = KernelSupport.host();
  private final String previous;

  private CorePatternGuard(String pattern) throws IOException {
    PatternChange change = kernel.trySet(pattern);
    assertThat(change.status()).as(change.detail()).isEqualTo(PatternChange.Status.SET);
    previous = change.previous();
  }

  static CorePatternGuard set(String pattern) throws IOException {
    return new CorePatternGuard(pattern);
  }

  String previous() {
    return previous;
  }

  @Override
  public void close() throws IOException {
    kernel.restore(previous);
    assertThat(kernel.corePattern()).isEqualTo(previous);
  }
}
