package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FrameKeysTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "crash_write | crash_write",
        "v8::internal::Isolate::Throw(v8::internal::Object, v8::internal::MessageLocation*)"
            + " | v8::internal::Isolate::Throw",
        "shop::Basket<long>::checkout(int) const | shop::Basket<T>::checkout",
        "shop::total(std::map<std::__cxx11::basic_string<char, std::char_traits<char>,"
            + " std::allocator<char> >, int> const&, int) | shop::total",
        "v8::internal::MaybeHandle<v8::internal::Object> v8::internal::(anonymous"
            + " namespace)::HandleApiCallHelper<false>(v8::internal::Isolate*,"
            + " v8::internal::Handle<v8::internal::HeapObject>)"
            + " | v8::internal::(anonymous namespace)::HandleApiCallHelper<T>",
        "os::abort(bool, void*, void const*) [clone .cold] | os::abort",
        "jni_invoke_static(JNIEnv_*, JavaValue*) [clone .constprop.1] | jni_invoke_static",
        "std::vector<int, std::allocator<int> >::operator[](unsigned long) |"
            + " std::vector<T>::operator[]",
        "operator<<(std::ostream&, Foo const&) | operator<<",
        "Foo::operator()(int) const | Foo::operator()",
        "bool std::operator< <char>(std::string const&, std::string const&) | std::operator<<T>",
        "Foo::operator->() | Foo::operator->",
        "operator new(unsigned long) | operator new",
        "operator delete[](void*) | operator delete[]",
        "Foo::operator bool() const | Foo::operator bool",
        "main::{lambda(int)#1}::operator()(int) const | main::{lambda#1}::operator()",
        "std::_Function_handler<void (int), main::{lambda(int)#1}>::_M_invoke(std::_Any_data"
            + " const&, int&&) | std::_Function_handler<T>::_M_invoke",
        "void run<int>(int) | run<T>",
        "foo.cold | foo",
        "bar.part.0 | bar",
        "baz.isra.0 | baz",
        "qux.constprop.0 | qux",
        "core::panicking::panic::h1234567890abcdef | core::panicking::panic",
        "my_operator(int) | my_operator",
        "cut_off_name(int, std::map<int | cut_off_name",
      })
  void nativeNamesLoseParametersTemplatesAndReturnTypes(String demangled, String expected) {
    assertThat(FrameKeys.nativeFunction(demangled)).isEqualTo(expected);
  }

  @Test
  void nativeKeysNameTheModule() {
    assertThat(FrameKeys.of(Frame.nativeFrame("crash_write", "segv", "ab12", "0x1194", "a.c", 10)))
        .isEqualTo("segv!crash_write");
    assertThat(FrameKeys.of(Frame.nativeFrame("", "segv", "ab12", "0x1194", null, 0)))
        .isEqualTo("segv@ab12+0x1194");
    assertThat(FrameKeys.of(Frame.nativeFrame("", "segv", null, "0x1194", null, 0)))
        .isEqualTo("segv@+0x1194");
    assertThat(FrameKeys.of(Frame.nativeFrame("", null, null, null, null, 0))).isNull();
    assertThat(FrameKeys.of(Frame.nativeFrame("f", null, null, null, null, 0))).isEqualTo("?!f");
  }

  @Test
  void javaScriptKeysNameTheScriptsFileAndAnAnonymousFunctionsLine() {
    assertThat(FrameKeys.of(Frame.js("bar", "/app/lib/index.js", 11))).isEqualTo("bar@index.js");
    assertThat(FrameKeys.of(Frame.js("", "/app/index.js", 1))).isEqualTo("(anonymous)@index.js:1");
    assertThat(FrameKeys.of(Frame.js("run", "file:///srv/app/main.mjs", 4)))
        .isEqualTo("run@main.mjs");
    assertThat(FrameKeys.of(Frame.js("listOnTimeout", "node:internal/timers", 1)))
        .isEqualTo("listOnTimeout@node:internal/timers");
    assertThat(FrameKeys.of(Frame.js("f", null, 0))).isEqualTo("f@?");
  }

  @Test
  void javaKeysLoseGeneratedClassNumbers() {
    assertThat(FrameKeys.of(Frame.java("app.Crash.handle", 11))).isEqualTo("app.Crash.handle");
    assertThat(FrameKeys.javaMethod("app.Main$$Lambda$14/0x0000000800c03000.run"))
        .isEqualTo("app.Main$$Lambda.run");
    assertThat(FrameKeys.javaMethod("app.Main$$Lambda/0x00007f1c2c00a000.run"))
        .isEqualTo("app.Main$$Lambda.run");
    assertThat(FrameKeys.javaMethod("jdk.internal.reflect.GeneratedMethodAccessor12.invoke"))
        .isEqualTo("jdk.internal.reflect.GeneratedMethodAccessor.invoke");
    assertThat(FrameKeys.javaMethod("app.Main.lambda$main$0")).isEqualTo("app.Main.lambda$main$0");
  }

  @Test
  void markersHaveNoKey() {
    assertThat(FrameKeys.of(Frame.marker("<exit>"))).isNull();
  }
}
