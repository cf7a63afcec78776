package dev.coroner.snapshot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MappingTest {
  static final String SMAPS =
      """
      55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 1234                       /usr/bin/my prog
      Size:                  4 kB
      Anonymous:             0 kB
      Swap:                  0 kB
      VmFlags: rd mr mw me dw sd
      55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0                          [heap]
      Size:                132 kB
      Anonymous:            12 kB
      Swap:                  0 kB
      VmFlags: rd wr mr mw me ac sd
      7f0000000000-7f0000100000 rw-s 00000000 00:01 99                         /dev/zero (deleted)
      Anonymous:             0 kB
      VmFlags: rd wr sh mr mw me ms sd
      7f0000200000-7f0000201000 rw-p 00000000 00:00 0
      Anonymous:             4 kB
      VmFlags: rd wr mr mw me ac sd dd
      7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]
      VmFlags: rd ex mr mw me de sd
      ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
      VmFlags: ex
      """;

  @Test
  void parsesSmapsIncludingPathsWithSpacesAndTheFlags() {
    List<Mapping> maps = Mapping.parseSmaps(SMAPS);
    assertThat(maps).hasSize(6);
    Mapping exe = maps.get(0);
    assertThat(exe.path()).isEqualTo("/usr/bin/my prog");
    assertThat(exe.start()).isEqualTo(0x55d0c0a00000L);
    assertThat(exe.size()).isEqualTo(4096);
    assertThat(exe.fileBacked()).isTrue();
    assertThat(exe.readable()).isTrue();
    assertThat(exe.writable()).isFalse();
    Mapping heap = maps.get(1);
    assertThat(heap.anonymous()).isTrue();
    assertThat(heap.anonymousKb()).isEqualTo(12);
    assertThat(maps.get(2).shared()).isTrue();
    assertThat(maps.get(3).vmFlags()).contains("dd");
    assertThat(maps.get(3).path()).isEmpty();
    assertThat(maps.get(4).special()).isTrue();
    assertThat(maps.get(5).vsyscall()).isTrue();
  }

  @Test
  void theDefaultFilterKeepsWhatTheKernelKeeps() {
    List<Mapping> maps = Mapping.parseSmaps(SMAPS);
    DumpFilter f = DumpFilter.DEFAULT;
    assertThat(f.extent(maps.get(0))).isEqualTo(DumpFilter.Extent.ELF_HEADER_PAGE);
    assertThat(f.extent(maps.get(1))).isEqualTo(DumpFilter.Extent.WHOLE);
    // anonymous shared memory (a deleted shmem file): bit 1, on by default
    assertThat(f.extent(maps.get(2))).isEqualTo(DumpFilter.Extent.WHOLE);
    // MADV_DONTDUMP
    assertThat(f.extent(maps.get(3))).isEqualTo(DumpFilter.Extent.NONE);
    assertThat(f.extent(maps.get(4))).isEqualTo(DumpFilter.Extent.WHOLE);
  }

  @Test
  void filterBitsChangeTheDecision() {
    List<Mapping> maps = Mapping.parseSmaps(SMAPS);
    DumpFilter all = DumpFilter.parse("0000007f\n");
    assertThat(all.extent(maps.get(0))).isEqualTo(DumpFilter.Extent.WHOLE);
    DumpFilter none = DumpFilter.parse("0");
    assertThat(none.extent(maps.get(1))).isEqualTo(DumpFilter.Extent.NONE);
    assertThat(none.extent(maps.get(2))).isEqualTo(DumpFilter.Extent.NONE);
    // the vDSO is always dumped, whatever the filter
    assertThat(none.extent(maps.get(4))).isEqualTo(DumpFilter.Extent.WHOLE);
    assertThat(DumpFilter.parse("bogus")).isEqualTo(DumpFilter.DEFAULT);
  }
}
