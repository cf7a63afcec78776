package dev.coroner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.node.InstallOptions;
import dev.coroner.node.KernelSettings;
import java.io.IOException;

/**
 * Saves the machine's kernel crash settings before a test and puts them back afterwards, whatever
 * the test did: core_pattern is global to the machine.
 */
final class KernelGuard implements AutoCloseable {
  private final KernelSettings saved;

  KernelGuard() throws IOException {
    assertThat(ProcessHandle.current().info().user())
        .as("kernel tests run as root")
        .contains("root");
    saved = current();
  }

  static KernelSettings current() throws IOException {
    return KernelSettings.read(InstallOptions.PROC_SYS);
  }

  KernelSettings saved() {
    return saved;
  }

  @Override
  public void close() throws IOException {
    if (!current().equals(saved)) {
      saved.write(InstallOptions.PROC_SYS);
    }
  }
}
