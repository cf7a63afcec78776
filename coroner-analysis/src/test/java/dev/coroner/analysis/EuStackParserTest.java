package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class EuStackParserTest {
  @Test
  void aSegfaultsFramesWithBuildIdOffsetAndSource() {
    List<ThreadStack> stacks = EuStackParser.parse(Resources.text("eustack-segv.txt"), 256);
    assertThat(stacks).hasSize(1);
    ThreadStack s = stacks.get(0);
    assertThat(s.tid()).isEqualTo(8848);
    assertThat(s.frames())
        .extracting(Frame::function)
        .containsExactly(
            "crash_write",
            "store_record",
            "handle_request",
            "path_alpha",
            "main",
            "__libc_start_call_main",
            "__libc_start_main_impl",
            "_start");
    Frame top = s.frames().get(0);
    assertThat(top.kind()).isEqualTo(Frame.NATIVE);
    assertThat(top.module()).isEqualTo("segv");
    assertThat(top.buildId()).isEqualTo("d64b6f3e86fd45e662257e0700e4c5f8aa45cc6f");
    assertThat(top.offset()).isEqualTo("0x1194");
    assertThat(top.file()).isEqualTo("/tmp/ana/c/segv.c");
    assertThat(top.line()).isEqualTo(10);
    // Callers are looked up at pc-1, inside their call instruction.
    assertThat(s.frames().get(1).offset()).isEqualTo("0x119f");
    Frame start = s.frames().get(7);
    assertThat(start.file()).isNull();
    assertThat(start.line()).isZero();
    assertThat(s.frames().get(5).module()).isEqualTo("libc.so.6");
    assertThat(s.frames().get(5).file()).isEqualTo("../sysdeps/nptl/libc_start_call_main.h");
  }

  @Test
  void everyThreadOfAMultiThreadedCoreTheSignalledOneFirst() {
    List<ThreadStack> stacks = EuStackParser.parse(Resources.text("eustack-segv-threads.txt"), 256);
    assertThat(stacks).extracting(ThreadStack::tid).containsExactly(8856, 8853, 8854, 8855);
    assertThat(ThreadStack.find(stacks, 8856).frames())
        .extracting(Frame::function)
        .startsWith("crash_write", "store_record", "handle_request", "path_beta", "worker");
    assertThat(ThreadStack.find(stacks, 8854).frames())
        .extracting(Frame::function)
        .containsExactly("__libc_pause", "idle", "start_thread", "__clone3");
    assertThat(ThreadStack.find(stacks, 1)).isNull();
  }

  @Test
  void aStrippedBinaryHasModuleBuildIdAndOffsetButNoSymbol() {
    Frame top =
        EuStackParser.parse(Resources.text("eustack-stripped.txt"), 256).get(0).frames().get(0);
    assertThat(top.function()).isEmpty();
    assertThat(top.module()).isEqualTo("segv-stripped");
    assertThat(top.buildId()).isEqualTo("d64b6f3e86fd45e662257e0700e4c5f8aa45cc6f");
    assertThat(top.offset()).isEqualTo("0x1194");
    assertThat(top.anonymous()).isFalse();
  }

  @Test
  void jvmCodeOutsideAnyModuleIsABarePc() {
    List<Frame> frames =
        ThreadStack.find(EuStackParser.parse(Resources.text("eustack-jni.txt"), 256), 9374)
            .frames();
    assertThat(frames.get(9).function()).isEqualTo("poke");
    assertThat(frames.get(9).module()).isEqualTo("libcrashnative.so");
    assertThat(frames.subList(11, 16)).allSatisfy(f -> assertThat(f.anonymous()).isTrue());
    assertThat(frames.get(16).function())
        .isEqualTo(
            "JavaCalls::call_helper(JavaValue*, methodHandle const&, JavaCallArguments*,"
                + " JavaThread*)");
  }

  @Test
  void demangledCxxNamesAndUnnamedLibraryFrames() {
    List<Frame> frames =
        EuStackParser.parse(Resources.text("eustack-cpp-terminate.txt"), 256).get(0).frames();
    assertThat(frames.get(3).function()).isEmpty();
    assertThat(frames.get(3).module()).isEqualTo("libstdc++.so.6");
    assertThat(frames.get(7).function()).isEqualTo("shop::Basket<long>::checkout(int) const");
    assertThat(frames.get(8).function())
        .startsWith("shop::total(std::map<")
        .hasSizeLessThanOrEqualTo(Frame.MAX_TEXT);
  }

  @Test
  void withoutTheExecutableTheModuleIsItsPath() {
    String out =
        """
        PID 13205 - core
        TID 13205:
        #0  0x0000560e26971194 - /tmp/ana/c/segv-stripped
            [d64b6f3e86fd45e662257e0700e4c5f8aa45cc6f]@0x560e26970000+0x1194
        """;
    assertThat(EuStackParser.parse(out, 256).get(0).frames().get(0).module())
        .isEqualTo("segv-stripped");
  }

  @Test
  void framesPastTheLimitAreDroppedAndNoiseIgnored() {
    String out =
        """
        eu-stack: dwfl_thread_getframes tid 1 at 0x1 in <unknown>: No DWARF information found
        TID 7:
        #0  0x0000000000001000 a - m
        #1  0x0000000000002000 b - m
        #2  0x0000000000003000 c - m
        garbage line
        """;
    assertThat(EuStackParser.parse(out, 2).get(0).frames())
        .extracting(Frame::function)
        .containsExactly("a", "b");
    assertThat(EuStackParser.parse("", 2)).isEmpty();
  }
}
