package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuntimeKindTest {
  @Test
  void byTheExecutablesName() {
    assertThat(RuntimeKind.detect(Path.of("/usr/local/bin/node"), List.of()))
        .isEqualTo(RuntimeKind.NODE);
    assertThat(RuntimeKind.detect(Path.of("/usr/bin/nodejs"), List.of()))
        .isEqualTo(RuntimeKind.NODE);
    assertThat(RuntimeKind.detect(Path.of("/opt/node-v20/bin/node-20"), List.of()))
        .isEqualTo(RuntimeKind.NODE);
    assertThat(RuntimeKind.detect(Path.of("/usr/lib/jvm/x/bin/java"), List.of()))
        .isEqualTo(RuntimeKind.JAVA);
    assertThat(RuntimeKind.detect(Path.of("/opt/app/segv"), List.of()))
        .isEqualTo(RuntimeKind.NATIVE);
    assertThat(RuntimeKind.detect(null, null)).isEqualTo(RuntimeKind.NATIVE);
  }

  @Test
  void byTheMappedRuntimeBehindALauncher() {
    assertThat(
            RuntimeKind.detect(
                Path.of("/opt/app/server"),
                List.of("/opt/app/server", "/opt/jdk/lib/server/libjvm.so")))
        .isEqualTo(RuntimeKind.JAVA);
    assertThat(RuntimeKind.detect(Path.of("/opt/app/electron"), List.of("/usr/lib/libnode.so.108")))
        .isEqualTo(RuntimeKind.NODE);
    assertThat(RuntimeKind.detect(Path.of("/opt/app/x"), List.of("/opt/app/libjvm.so.bak")))
        .isEqualTo(RuntimeKind.NATIVE);
    assertThat(RuntimeKind.JAVA.id()).isEqualTo("java");
  }
}
