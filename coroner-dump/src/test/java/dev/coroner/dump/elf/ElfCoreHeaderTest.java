package dev.coroner.dump.elf;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ElfCoreHeaderTest {
  @Test
  void aCoreAnnouncesItsSize() {
    byte[] core = TrainingCore.of(4096);
    var h = ElfCoreHeader.parse(core, core.length);
    assertThat(h.elf()).isTrue();
    assertThat(h.problem()).isNull();
    assertThat(h.expectedSize()).isEqualTo(4096);
  }

  @Test
  void emptyAndShortAndForeignDataAreNamed() {
    assertThat(ElfCoreHeader.parse(new byte[0], 0).problem()).isEqualTo("no data");
    assertThat(ElfCoreHeader.parse(new byte[] {0x7f}, 1).elf()).isFalse();
    assertThat(ElfCoreHeader.parse("hello world".getBytes(), 11).problem())
        .isEqualTo("not an ELF file");
    byte[] core = TrainingCore.of(4096);
    assertThat(ElfCoreHeader.parse(core, 40).problem()).contains("ELF header incomplete");
    assertThat(ElfCoreHeader.parse(core, 100).problem()).contains("program headers incomplete");
  }

  @Test
  void anExecutableIsNotACore() {
    byte[] core = TrainingCore.of(4096);
    core[16] = 2; // ET_EXEC
    assertThat(ElfCoreHeader.parse(core, core.length).problem()).contains("not a core");
  }
}
