package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextTest {
  @Test
  void escapeSequencesAndControlCharactersGo() {
    assertThat(Text.clean("\u001B[31mred\u001B[0m\tok\r\n")).isEqualTo("red\tok\n");
    assertThat(Text.clean("a\u0000b\u0007c\u007Fd\u009Be")).isEqualTo("abcde");
    assertThat(Text.clean("\u001B]0;title\u0007x")).isEqualTo("x");
    // A bidi override would show "evil" code reversed in a terminal or a web page.
    assertThat(Text.clean("f\u202Eoo\u2066")).isEqualTo("foo");
    assertThat(Text.clean("bar (index.js:13) — ü")).isEqualTo("bar (index.js:13) — ü");
    assertThat(Text.clean(null)).isNull();
  }

  @Test
  void capAndBasename() {
    assertThat(Text.cap("abcdef", 4)).isEqualTo("abc…");
    assertThat(Text.cap("abc", 4)).isEqualTo("abc");
    assertThat(Text.basename("/a/b/c.js")).isEqualTo("c.js");
    assertThat(Text.basename("c.js")).isEqualTo("c.js");
    assertThat(Text.basename("/a/b/")).isEqualTo("b");
  }
}
