package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignatureTest {
  private static final Path NODE = Path.of("/usr/bin/node");
  private static final Path SEGV = Path.of("/opt/app/segv");
  private static final Path JAVA = Path.of("/usr/lib/jvm/java-17/bin/java");

  private static Frame c(String function, String module) {
    return Frame.nativeFrame(function, module, "b1d", "0x10", null, 0);
  }

  private static Frame js(String function, String script, int line) {
    return Frame.js(function, script, line);
  }

  /** The native frames of the example app's crash, as llnode shows them, then the JS ones. */
  private static List<Frame> nodeCrash(String... jsTop) {
    List<Frame> f = new ArrayList<>();
    f.add(c("v8::base::OS::Abort()", "node"));
    f.add(c("v8::internal::Isolate::Throw(v8::internal::Object)", "node"));
    f.add(Frame.marker("<exit>"));
    f.add(Frame.marker("<stub>"));
    for (String fn : jsTop) {
      f.add(js(fn, "/home/node/app/index.js", 3));
    }
    f.add(js("", "/home/node/app/index.js", 1));
    f.add(js("Module._compile", "node:internal/modules/cjs/loader", 1));
    f.add(Frame.marker("<entry>"));
    f.add(c("node::Start(int, char**)", "node"));
    f.add(c("__libc_start_main_impl", "libc.so.6"));
    f.add(c("_start", "node"));
    return f;
  }

  @Test
  void theExampleAppSignsItsJavaScriptFrames() {
    Signature s =
        Signature.of(RuntimeKind.NODE, NODE, List.of(), nodeCrash("bar", "foo", "do_test"));
    assertThat(s.text())
        .isEqualTo(
            "node | bar@index.js | foo@index.js | do_test@index.js | (anonymous)@index.js:1");
    assertThat(s.topFrame()).isEqualTo("bar (index.js:3)");
    assertThat(s.signature()).matches("[0-9a-f]{16}").isEqualTo(Signature.hash(s.text()));
    assertThat(s.signature3())
        .isEqualTo(Signature.hash("node | bar@index.js | foo@index.js | do_test@index.js"));
    assertThat(s.frames()).hasSameSizeAs(nodeCrash("bar", "foo", "do_test"));
    assertThat(s.frames().get(0).key()).as("v8 frames are skipped").isNull();
    assertThat(s.frames().get(2).key()).as("markers are skipped").isNull();
    Frame internal = s.frames().get(8);
    assertThat(internal.key()).isEqualTo("Module._compile@node:internal/modules/cjs/loader");
    assertThat(internal.inApp()).isFalse();
  }

  @Test
  void theSameBugGivesTheSameSignatureWhereverItRan() {
    List<Frame> one = nodeCrash("bar", "foo", "do_test");
    List<Frame> other = new ArrayList<>();
    for (Frame f : one) {
      // Another machine: another path to the app, another build of node.
      other.add(
          Frame.JS.equals(f.kind())
              ? js(f.function(), f.file().replace("/home/node/app", "/srv"), f.line())
              : Frame.nativeFrame(f.function(), f.module(), "other", "0x99", null, 0));
    }
    assertThat(Signature.of(RuntimeKind.NODE, NODE, List.of(), other).signature())
        .isEqualTo(Signature.of(RuntimeKind.NODE, NODE, List.of(), one).signature());
  }

  @Test
  void anotherThrowingFunctionIsAnotherSignature() {
    Signature bar =
        Signature.of(RuntimeKind.NODE, NODE, List.of(), nodeCrash("bar", "foo", "do_test"));
    Signature foo = Signature.of(RuntimeKind.NODE, NODE, List.of(), nodeCrash("foo", "do_test"));
    assertThat(foo.signature()).isNotEqualTo(bar.signature());
    assertThat(foo.signature3()).isNotEqualTo(bar.signature3());
    assertThat(foo.topFrame()).startsWith("foo ");
  }

  @Test
  void oneBugTwoCallersSharesTheCoarseSignatureOnly() {
    List<Frame> alpha = segv("path_alpha");
    List<Frame> beta = segv("path_beta");
    Signature a = Signature.of(RuntimeKind.NATIVE, SEGV, List.of(), alpha);
    Signature b = Signature.of(RuntimeKind.NATIVE, SEGV, List.of(), beta);
    assertThat(a.signature3()).isEqualTo(b.signature3());
    assertThat(a.signature()).isNotEqualTo(b.signature());
    assertThat(a.topFrame()).isEqualTo("crash_write (segv)");
    assertThat(a.text())
        .isEqualTo(
            "native | segv!crash_write | segv!store_record | segv!handle_request"
                + " | segv!path_alpha | segv!main");
  }

  private static List<Frame> segv(String caller) {
    return List.of(
        c("crash_write", "segv"),
        c("store_record", "segv"),
        c("handle_request", "segv"),
        c(caller, "segv"),
        c("main", "segv"),
        c("__libc_start_call_main", "libc.so.6"),
        c("_start", "segv"));
  }

  @Test
  void abortMachineryAndLibcAreNotTheBug() {
    List<Frame> frames =
        List.of(
            c("__pthread_kill_implementation", "libc.so.6"),
            c("__GI_raise", "libc.so.6"),
            c("__GI_abort", "libc.so.6"),
            c("__assert_fail_base", "libc.so.6"),
            c("__strlen_evex", "libc.so.6"),
            c("name_length", "libc-crash"),
            c("main", "libc-crash"));
    Signature s = Signature.of(RuntimeKind.NATIVE, Path.of("/bin/libc-crash"), List.of(), frames);
    assertThat(s.text()).isEqualTo("native | libc-crash!name_length | libc-crash!main");
    assertThat(s.frames().get(4).key()).isEqualTo("libc.so.6!__strlen_evex");
    assertThat(s.frames().get(4).inApp()).isFalse();
    assertThat(s.frames().subList(0, 4)).allSatisfy(f -> assertThat(f.key()).isNull());
  }

  @Test
  void withoutInAppFramesTheTopKeptFramesSign() {
    List<Frame> frames =
        List.of(
            c("__GI_abort", "libc.so.6"),
            c("malloc_printerr", "libc.so.6"),
            c("_int_free", "libc.so.6"),
            c("", null));
    Signature s = Signature.of(RuntimeKind.NATIVE, SEGV, List.of(), frames);
    assertThat(s.text()).isEqualTo("native | libc.so.6!malloc_printerr | libc.so.6!_int_free");
    assertThat(s.topFrame()).isEqualTo("malloc_printerr (libc.so.6)");
  }

  @Test
  void nothingNamedNoSignature() {
    Signature s = Signature.of(RuntimeKind.NATIVE, SEGV, List.of(), List.of(c("", null)));
    assertThat(s.signature()).isNull();
    assertThat(s.signature3()).isNull();
    assertThat(s.topFrame()).isNull();
    assertThat(Signature.of(RuntimeKind.NATIVE, SEGV, List.of(), List.of()).signature()).isNull();
  }

  @Test
  void aJvmCrashSignsTheJniCodeAndTheJavaCallers() {
    List<String> mapped =
        List.of("/usr/lib/jvm/java-17/bin/java", "/usr/lib/jvm/java-17/lib/libnet.so");
    List<Frame> frames =
        List.of(
            c("__GI_abort", "libc.so.6"),
            c("os::abort(bool, void*, void const*) [clone .cold]", "libjvm.so"),
            c("VMError::report_and_die(Thread*, unsigned int)", "libjvm.so"),
            c("JVM_handle_linux_signal", "libjvm.so"),
            c("__restore_rt", "libc.so.6"),
            c("Java_net_Socket_poke", "libnet.so"),
            c("poke", "libcrashnative.so"),
            Frame.java("app.Crash.nativeWrite", 0),
            Frame.java("java.lang.Thread.run", 833),
            Frame.java("app.Crash.main", 16),
            c("JavaCalls::call_helper(JavaValue*)", "libjvm.so"),
            c("JavaMain", "libjli.so"));
    Signature s = Signature.of(RuntimeKind.JAVA, JAVA, mapped, frames);
    assertThat(s.text())
        .isEqualTo("java | libcrashnative.so!poke | app.Crash.nativeWrite | app.Crash.main");
    assertThat(s.topFrame()).isEqualTo("poke (libcrashnative.so)");
    assertThat(s.frames().get(5).inApp()).as("a JDK library, by its path").isFalse();
    assertThat(s.frames().get(10).key()).isEqualTo("libjvm.so!JavaCalls::call_helper");
  }

  @Test
  void javaScriptInNodeModulesIsNotInApp() {
    List<Frame> frames =
        List.of(
            js("parse", "/app/node_modules/lib/parser.js", 10),
            js("handler", "/app/server.js", 20),
            c("napi_crash", "addon.node"),
            c("uv_run", "node"));
    Signature s = Signature.of(RuntimeKind.NODE, NODE, List.of(), frames);
    assertThat(s.text()).isEqualTo("node | handler@server.js | addon.node!napi_crash");
  }

  @Test
  void librariesInTheSystemsDirectoriesAreNotInApp() {
    List<String> mapped =
        List.of(
            "/usr/bin/node",
            "/usr/lib/x86_64-linux-gnu/libssl.so.3",
            "/opt/app/lib/libfast.so",
            "/usr/local/bin/server");
    List<Frame> frames =
        List.of(
            c("EVP_Digest", "libssl.so.3"),
            c("fast_hash", "libfast.so"),
            js("main", "/app/a.js", 1));
    assertThat(Signature.of(RuntimeKind.NODE, NODE, mapped, frames).text())
        .isEqualTo("node | libfast.so!fast_hash | main@a.js");
    // A program from a system directory is still its own code.
    List<Frame> own = List.of(c("EVP_Digest", "libssl.so.3"), c("serve", "node"));
    assertThat(Signature.of(RuntimeKind.NATIVE, Path.of("/usr/bin/node"), mapped, own).text())
        .isEqualTo("native | node!serve");
  }

  @Test
  void libnodeIsTheRuntime() {
    List<Frame> frames = List.of(c("uv_run", "libnode.so.108"), js("main", "/app/a.js", 1));
    Signature s =
        Signature.of(
            RuntimeKind.NODE,
            Path.of("/usr/bin/nodejs"),
            List.of("/usr/lib/libnode.so.108"),
            frames);
    assertThat(s.text()).isEqualTo("node | main@a.js");
  }

  @Test
  void readableTopFrames() {
    assertThat(
            Signature.readable(
                Frame.nativeFrame("crash_write", "segv", "b", "0x1", "/src/segv.c", 10)))
        .isEqualTo("crash_write (segv.c:10)");
    assertThat(Signature.readable(Frame.nativeFrame("", "segv", "b", "0x1194", null, 0)))
        .isEqualTo("segv+0x1194");
    assertThat(Signature.readable(Frame.java("app.Crash.handle", 11)))
        .isEqualTo("app.Crash.handle (line 11)");
    assertThat(Signature.readable(Frame.java("app.Crash.nativeWrite", 0)))
        .isEqualTo("app.Crash.nativeWrite");
    assertThat(Signature.readable(js("", "/app/index.js", 1)))
        .isEqualTo("(anonymous) (index.js:1)");
    assertThat(Signature.readable(c("shop::Basket<long>::checkout(int) const", "tmpl")))
        .isEqualTo("shop::Basket<T>::checkout (tmpl)");
  }
}
