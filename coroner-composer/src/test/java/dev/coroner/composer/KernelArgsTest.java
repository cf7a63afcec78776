package dev.coroner.composer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KernelArgsTest {
  @Test
  void parsesThePatternsSpecifiers() {
    var k =
        KernelArgs.parse(
            new String[] {
              "4242",
              "8",
              "4243",
              "9",
              "5",
              "1634419098",
              "node-crasher",
              "node",
              "!usr!bin!node",
              "18446744073709551615",
              "1000",
              "1001",
              "3"
            });
    assertThat(k.warnings()).isEmpty();
    assertThat(k.hostPid()).isEqualTo(4242);
    assertThat(k.pid()).isEqualTo(8);
    assertThat(k.hostTid()).isEqualTo(4243);
    assertThat(k.tid()).isEqualTo(9);
    assertThat(k.signal()).isEqualTo(5);
    assertThat(k.timestamp()).isEqualTo(1634419098);
    assertThat(k.hostname()).isEqualTo("node-crasher");
    assertThat(k.comm()).isEqualTo("node");
    assertThat(k.exePath()).isEqualTo("/usr/bin/node");
    assertThat(k.coreLimit()).isEqualTo("18446744073709551615");
    assertThat(k.uid()).isEqualTo(1000);
    assertThat(k.gid()).isEqualTo(1001);
    assertThat(k.pidfd()).isEqualTo(3);
  }

  @Test
  void garbageBecomesUnknownWithWarnings() {
    var k = KernelArgs.parse(new String[] {"abc", "--help"});
    assertThat(k.hostPid()).isEqualTo(-1);
    assertThat(k.pid()).isEqualTo(-1);
    assertThat(k.signal()).isEqualTo(-1);
    assertThat(k.hostname()).isNull();
    assertThat(k.warnings())
        .anySatisfy(w -> assertThat(w).contains("expected 13 arguments"))
        .anySatisfy(w -> assertThat(w).contains("%P is not a number: 'abc'"));
  }

  @Test
  void noArgumentsAtAll() {
    var k = KernelArgs.parse(new String[0]);
    assertThat(k.hostPid()).isEqualTo(-1);
    assertThat(k.warnings()).hasSize(1);
  }
}
