package dev.coroner.capture.seal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawStagingTest {
  private static final long MIB = 1L << 20;
  private static final long GIB = 1L << 30;

  @TempDir Path proc;

  @Test
  void aCoreIsStagedRawOnlyWhenItStaysInThePageCacheAndTwoCopiesFit() {
    long room = 2 * GIB;
    long usable = 10 * GIB;
    assertThat(RawStaging.fits(GIB, usable, 0, room)).isTrue();
    assertThat(RawStaging.fits(room + 1, usable, 0, room)).as("past the writeback").isFalse();
    assertThat(RawStaging.fits(GIB, 2 * GIB + RawStaging.SLACK, 0, room)).isTrue();
    assertThat(RawStaging.fits(GIB, 2 * GIB + RawStaging.SLACK - 1, 0, room))
        .as("the raw core and its compressed copy need room")
        .isFalse();
    assertThat(RawStaging.fits(GIB, usable, 8 * GIB, room)).as("above keep-free").isFalse();
    assertThat(RawStaging.fits(-1, usable, 0, room)).as("size unknown (the pipe)").isFalse();
    assertThat(RawStaging.fits(0, usable, 0, room)).isFalse();
    assertThat(RawStaging.fits(MIB, usable, 0, 0)).as("room unknown").isFalse();
  }

  @Test
  void theRoomIsMemAvailableTimesTheBackgroundRatioOrTheBytesSet() throws Exception {
    Path vm = Files.createDirectories(proc.resolve("sys/vm"));
    Files.writeString(vm.resolve("dirty_background_bytes"), "0\n");
    Files.writeString(vm.resolve("dirty_background_ratio"), "10\n");
    Files.writeString(
        proc.resolve("meminfo"),
        "MemTotal:       24000000 kB\nMemFree:         1000 kB\nMemAvailable:   20000000 kB\n");
    assertThat(RawStaging.dirtyRoom(proc)).isEqualTo(20000000L * 1024 / 100 * 10);

    Files.writeString(vm.resolve("dirty_background_bytes"), "268435456\n");
    assertThat(RawStaging.dirtyRoom(proc)).isEqualTo(256 * MIB);

    Files.writeString(vm.resolve("dirty_background_bytes"), "0\n");
    Files.writeString(proc.resolve("meminfo"), "MemTotal: 1 kB\n");
    assertThat(RawStaging.dirtyRoom(proc)).as("no MemAvailable: stage compressed").isZero();
    Files.delete(proc.resolve("meminfo"));
    assertThat(RawStaging.dirtyRoom(proc)).isZero();
  }

  @Test
  void thisMachineHasRoomAndADumpDirectoryYetToBeMadeIsOnItsParentsFileSystem() {
    assertThat(RawStaging.dirtyRoom(Path.of("/proc"))).isPositive();
    Path notYet = proc.resolve("dumps/not/yet");
    assertThat(RawStaging.usableSpace(notYet))
        .isPositive()
        .isEqualTo(proc.toFile().getUsableSpace());
    assertThat(RawStaging.fits(1 << 20, notYet, 0)).isTrue();
  }
}
