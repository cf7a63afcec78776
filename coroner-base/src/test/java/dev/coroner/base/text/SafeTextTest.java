package dev.coroner.base.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SafeTextTest {
  @Test
  void escapeSequencesAndNewlinesBecomeVisible() {
    assertThat(SafeText.line("node\u001b[2J\u001b]0;owned\u0007 --x\r\nfake"))
        .isEqualTo("node\\x1b[2J\\x1b]0;owned\\x07 --x\\x0d\\x0afake");
    assertThat(SafeText.line("a\u009bb")).as("C1 CSI").isEqualTo("a\\x9bb");
    assertThat(SafeText.line("back\\slash")).isEqualTo("back\\\\slash");
    assertThat(SafeText.line("rtl\u202eexe.gpj")).isEqualTo("rtl\\u202eexe.gpj");
  }

  @Test
  void ordinaryTextIsUntouchedAndLogTailsKeepTheirLines() {
    assertThat(SafeText.line("web-7d9f /usr/bin/node index.js ü € 😀"))
        .isEqualTo("web-7d9f /usr/bin/node index.js ü € 😀");
    assertThat(SafeText.lines("one\n\ttwo\u001b[1m")).isEqualTo("one\n\ttwo\\x1b[1m");
    assertThat(SafeText.line("\ud800x")).isEqualTo("\\ud800x");
    assertThat(SafeText.isSafeLine("plain")).isTrue();
    assertThat(SafeText.isSafeLine("bell\u0007")).isFalse();
    assertThat(SafeText.line(null)).isNull();
  }
}
