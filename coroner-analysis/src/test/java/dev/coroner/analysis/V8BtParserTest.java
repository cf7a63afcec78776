package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class V8BtParserTest {
  @Test
  void theExampleAppsUncaughtThrow() {
    ThreadStack s = V8BtParser.parse(Resources.text("v8bt-uncaught.txt"), 256);
    assertThat(s.tid()).isEqualTo(8418);
    List<Frame> f = s.frames();
    assertThat(f).hasSize(31);
    assertThat(f.get(0))
        .isEqualTo(Frame.nativeFrame("v8::base::OS::Abort()", "node", null, null, null, 0));
    assertThat(f.get(4)).isEqualTo(Frame.marker("<exit>"));
    assertThat(f.get(5)).isEqualTo(Frame.marker("<stub>"));
    assertThat(f.get(6)).isEqualTo(Frame.js("bar", "/tmp/ana/app/index.js", 11));
    assertThat(f.get(7)).isEqualTo(Frame.js("foo", "/tmp/ana/app/index.js", 7));
    assertThat(f.get(8)).isEqualTo(Frame.js("do_test", "/tmp/ana/app/index.js", 3));
    assertThat(f.get(9)).isEqualTo(Frame.js("", "/tmp/ana/app/index.js", 1));
    assertThat(f.get(10))
        .isEqualTo(Frame.js("Module._compile", "node:internal/modules/cjs/loader", 1));
    assertThat(f.get(16)).isEqualTo(Frame.marker("<internal>"));
    assertThat(f.get(17)).isEqualTo(Frame.marker("<entry>"));
    // With DWARF lldb prints argument values: they are the program's data and are dropped.
    assertThat(f.get(28))
        .isEqualTo(
            Frame.nativeFrame(
                "__libc_start_call_main", "libc.so.6", null, null, "libc_start_call_main.h", 58));
    assertThat(f.get(30).function()).isEqualTo("_start");
  }

  @Test
  void argumentsNeverReachTheFrames() {
    ThreadStack s = V8BtParser.parse(Resources.text("v8bt-uncaught.txt"), 256);
    assertThat(s.frames())
        .allSatisfy(
            fr -> {
              assertThat(fr.function()).doesNotContain("hello world").doesNotContain("this=");
              assertThat(String.valueOf(fr.file())).doesNotContain("hello world");
            });
  }

  @Test
  void processAbortFromATimerCallback() {
    List<Frame> f = V8BtParser.parse(Resources.text("v8bt-abort.txt"), 256).frames();
    assertThat(f.get(0).function()).isEqualTo("__pthread_kill_implementation");
    assertThat(f.get(0).file()).isEqualTo("pthread_kill.c");
    assertThat(f.get(2).function()).isEqualTo("__GI_abort");
    assertThat(f.get(3).function())
        .isEqualTo("node::Abort(v8::FunctionCallbackInfo<v8::Value> const&)");
    assertThat(f.get(8)).isEqualTo(Frame.js("validate", "/tmp/ana/app2/abort.js", 7));
    assertThat(f.get(9)).isEqualTo(Frame.js("onRequest", "/tmp/ana/app2/abort.js", 2));
    assertThat(f.get(10)).isEqualTo(Frame.js("", "/tmp/ana/app2/abort.js", 13));
    assertThat(f.get(11)).isEqualTo(Frame.js("listOnTimeout", "node:internal/timers", 1));
  }

  @Test
  void aStringArgumentThatMimicsTheFormatDoesNotFoolTheParser() {
    Frame f =
        V8BtParser.frame(
            "evil(this=0x1:<Global proxy>, 0x2:<String: \"x) at /fake.js:99:1 fn=0x3\">) at"
                + " /app/real.js:5:10 fn=0x00003");
    assertThat(f).isEqualTo(Frame.js("evil", "/app/real.js", 5));
  }

  @Test
  void otherShapesOfFrames() {
    assertThat(V8BtParser.frame("<builtin>")).isEqualTo(Frame.marker("<builtin>"));
    assertThat(V8BtParser.frame("<internal code>")).isEqualTo(Frame.marker("<internal code>"));
    assertThat(V8BtParser.frame("f(this=0x1:<undefined>) at (no script) fn=0x2"))
        .isEqualTo(Frame.js("f", "(no script)", 0));
    assertThat(V8BtParser.frame("g at  fn=0x2")).isEqualTo(Frame.js("g", null, 0));
    assertThat(V8BtParser.frame("")).satisfies(fr -> assertThat(fr.anonymous()).isTrue());
    assertThat(V8BtParser.frame("addon.node`Crash(int*) + 12 [opt]"))
        .isEqualTo(Frame.nativeFrame("Crash(int*)", "addon.node", null, null, null, 0));
    assertThat(V8BtParser.frame("node`___lldb_unnamed_symbol123 + 4").function()).isEmpty();
    assertThat(V8BtParser.dropArgumentValues("f(a=(x`y), b=2)")).isEqualTo("f");
    assertThat(V8BtParser.dropArgumentValues("f(int, char const*)"))
        .isEqualTo("f(int, char const*)");
  }

  @Test
  void noThreadNoStack() {
    assertThat(V8BtParser.parse("error: unable to load plugin\n", 256)).isNull();
  }
}
