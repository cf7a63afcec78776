package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class JStackParserTest {
  @Test
  void jdk17NamesThreadsByHexNid() {
    List<ThreadStack> stacks = JStackParser.parse(Resources.text("jstack17-jni.txt"), 256);
    // main's nid=0x249e: TID 9374, the thread that took SIGSEGV in the JNI code.
    assertThat(ThreadStack.find(stacks, 9374).frames())
        .containsExactly(
            Frame.java("app.Crash.nativeWrite", 0),
            Frame.java("app.Crash.writeRecord", 7),
            Frame.java("app.Crash.handle", 11),
            Frame.java("app.Crash.main", 16));
    assertThat(ThreadStack.find(stacks, 0x24a5).frames())
        .extracting(Frame::function)
        .containsExactly(
            "java.lang.ref.Reference.waitForReferencePendingList",
            "java.lang.ref.Reference.processPendingReferences",
            "java.lang.ref.Reference$ReferenceHandler.run");
  }

  @Test
  void jdk25NamesThemInDecimal() {
    List<ThreadStack> stacks = JStackParser.parse(Resources.text("jstack25-jni.txt"), 256);
    assertThat(ThreadStack.find(stacks, 10443).frames())
        .extracting(Frame::function)
        .containsExactly(
            "app.Crash.nativeWrite", "app.Crash.writeRecord", "app.Crash.handle", "app.Crash.main");
  }

  @Test
  void anOutOfMemoryCrash() {
    assertThat(
            ThreadStack.find(JStackParser.parse(Resources.text("jstack17-oom.txt"), 256), 0x2a4a)
                .frames())
        .containsExactly(Frame.java("app.Oom.fill", 11), Frame.java("app.Oom.main", 16));
  }

  @Test
  void mixedModeOnThisMachineHasNoJavaFramesForTheCrashingThread() {
    // jhsdb's native unwinder stops in libc (__GI_raise) here, JDK 17 and 25 alike: this is why
    // the analysis takes native frames from eu-stack and Java frames from plain jstack.
    List<ThreadStack> stacks = JStackParser.parse(Resources.text("jstack17-mixed-jni.txt"), 256);
    assertThat(ThreadStack.find(stacks, 9374).frames()).isEmpty();
    assertThat(stacks)
        .extracting(ThreadStack::tid)
        .contains(9374, 9375, 9385)
        .doesNotHaveDuplicates();
  }

  @Test
  void mixedModeJavaFramesWhenThereAreAny() {
    String out =
        """
        ----------------- 12293 -----------------
        "spinner" #12 daemon prio=5 tid=0x00007fb3380b5c20 nid=0x3005 runnable [0x0]
           java.lang.Thread.State: RUNNABLE
        0x00007fb328ecad4b\t* app.Spin.work(long) bci:9 line:8 (Compiled frame)
        0x00007fb328ecad4b\t* app.Spin.spin() bci:3 line:16 (Compiled frame)
        0x00007fb341117f16\t__futex_abstimed_wait_common + 0xc6
        """;
    assertThat(ThreadStack.find(JStackParser.parse(out, 256), 12293).frames())
        .containsExactly(Frame.java("app.Spin.work", 8), Frame.java("app.Spin.spin", 16));
  }

  @Test
  void aThreadNameCannotForgeANid() {
    String out =
        """
        "evil nid=0x1 " #9 prio=5 tid=0x00007f nid=0x10 runnable [0x0]
         - app.Evil.run() @bci=0, line=3 (Interpreted frame)
         - locked <0x000000008a1b2c3d> (a java.lang.Object)
        """;
    List<ThreadStack> stacks = JStackParser.parse(out, 256);
    assertThat(stacks).extracting(ThreadStack::tid).containsExactly(16);
    assertThat(stacks.get(0).frames()).containsExactly(Frame.java("app.Evil.run", 3));
  }
}
