package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class JavaFramesTest {
  private static final Frame JIT = Frame.nativeFrame("", null, null, null, null, 0);

  private static Frame c(String name) {
    return Frame.nativeFrame(name, "libjvm.so", null, null, null, 0);
  }

  @Test
  void javaFramesTakeThePlaceOfTheFirstRunOfBarePcs() {
    List<Frame> nativeFrames =
        List.of(
            c("os::abort"),
            c("poke"),
            JIT,
            JIT,
            JIT,
            c("JavaCalls::call_helper"),
            JIT,
            c("JavaMain"));
    List<Frame> java = List.of(Frame.java("a.B.c", 1), Frame.java("a.B.main", 2));
    assertThat(JavaFrames.merge(nativeFrames, java))
        .containsExactly(
            c("os::abort"),
            c("poke"),
            java.get(0),
            java.get(1),
            c("JavaCalls::call_helper"),
            JIT,
            c("JavaMain"));
  }

  @Test
  void withoutBarePcsTheJavaFramesFollow() {
    List<Frame> java = List.of(Frame.java("a.B.c", 1));
    assertThat(JavaFrames.merge(List.of(c("x")), java)).containsExactly(c("x"), java.get(0));
    assertThat(JavaFrames.merge(List.of(c("x"), JIT), List.of())).containsExactly(c("x"), JIT);
  }
}
