package dev.coroner.receiver.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class PidfdInfoTest {
  private static final long PID_CREDS_CGROUP_COREDUMP = 0x17;

  /** A struct as 6.18 fills it for a connection from the kernel (72 bytes, then zeroes). */
  private static byte[] kernelPeer(int size, long mask, int coredumpMask) {
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, mask).putLong(8, 0x1234L);
    b.putInt(16, 4242).putInt(20, 4242).putInt(24, 17);
    b.putInt(28, 1000).putInt(32, 1001).putInt(36, 1002).putInt(40, 1003);
    if (size >= 72) {
      b.putInt(64, coredumpMask);
    }
    return b.array();
  }

  @Test
  void kernelConnectionOn618() {
    PidfdInfo info =
        PidfdInfo.parse(
            kernelPeer(
                88,
                PID_CREDS_CGROUP_COREDUMP,
                PidfdInfo.PIDFD_COREDUMPED | PidfdInfo.PIDFD_COREDUMP_USER));

    assertThat(info.isKernelCoredump()).isTrue();
    assertThat(info.isSensitiveDump()).isFalse();
    assertThat(info.tgid()).isEqualTo(4242);
    assertThat(info.pid()).isEqualTo(4242);
    assertThat(info.ppid()).isEqualTo(17);
    assertThat(info.ruid()).isEqualTo(1000);
    assertThat(info.rgid()).isEqualTo(1001);
    assertThat(info.euid()).isEqualTo(1002);
    assertThat(info.egid()).isEqualTo(1003);
    assertThat(info.cgroupId()).isEqualTo(0x1234L);
    assertThat(info.coredumpMask()).isEqualTo(0x5);
    assertThat(info.exitCode()).as("no PIDFD_INFO_EXIT yet").isEqualTo(-1);
    assertThat(info.coredumpSignal()).as("6.19+ only").isEqualTo(-1);
    assertThat(info.supportedMask()).isZero();
  }

  @Test
  void sensitiveDumpIsMarkedRoot() {
    PidfdInfo info =
        PidfdInfo.parse(
            kernelPeer(
                72,
                PID_CREDS_CGROUP_COREDUMP,
                PidfdInfo.PIDFD_COREDUMPED | PidfdInfo.PIDFD_COREDUMP_ROOT));
    assertThat(info.isKernelCoredump()).isTrue();
    assertThat(info.isSensitiveDump()).isTrue();
  }

  @Test
  void userspaceClientIsNotTheKernel() {
    // A live process: USER (dumpable) but not COREDUMPED.
    PidfdInfo info =
        PidfdInfo.parse(kernelPeer(72, PID_CREDS_CGROUP_COREDUMP, PidfdInfo.PIDFD_COREDUMP_USER));
    assertThat(info.isKernelCoredump()).isFalse();
  }

  @Test
  void coredumpedWithoutTheMaskBitDoesNotCount() {
    PidfdInfo info = PidfdInfo.parse(kernelPeer(72, 0x7, PidfdInfo.PIDFD_COREDUMPED));
    assertThat(info.coredumpMask()).isZero();
    assertThat(info.isKernelCoredump()).isFalse();
  }

  @Test
  void sixtyFourByteStructCarriesNoCoredumpMask() {
    // The kernel sets PIDFD_INFO_COREDUMP in mask even when the struct is too short for the field.
    byte[] bytes = kernelPeer(72, PID_CREDS_CGROUP_COREDUMP, PidfdInfo.PIDFD_COREDUMPED);
    PidfdInfo info = PidfdInfo.parse(java.util.Arrays.copyOf(bytes, 64));
    assertThat(info.has(PidfdInfo.PIDFD_INFO_COREDUMP)).isTrue();
    assertThat(info.coredumpMask()).isZero();
    assertThat(info.isKernelCoredump()).isFalse();
  }

  @Test
  void newerFieldsAreReadWhenTheirBitsAreSet() {
    ByteBuffer b =
        ByteBuffer.wrap(
                kernelPeer(
                    88,
                    PID_CREDS_CGROUP_COREDUMP
                        | PidfdInfo.PIDFD_INFO_EXIT
                        | PidfdInfo.PIDFD_INFO_SUPPORTED_MASK
                        | PidfdInfo.PIDFD_INFO_COREDUMP_SIGNAL,
                    PidfdInfo.PIDFD_COREDUMPED))
            .order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(60, 0x8b).putInt(68, 11).putLong(72, 0xffL);
    PidfdInfo info = PidfdInfo.parse(b.array());
    assertThat(info.exitCode()).isEqualTo(0x8b);
    assertThat(info.coredumpSignal()).isEqualTo(11);
    assertThat(info.supportedMask()).isEqualTo(0xffL);
  }

  @Test
  void garbageNeverThrows() {
    assertThat(PidfdInfo.parse(new byte[0]).isKernelCoredump()).isFalse();
    assertThat(PidfdInfo.parse(new byte[3]).mask()).isZero();
    assertThat(PidfdInfo.parse(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, 1}).tgid())
        .isEqualTo(-1);
    assertThat(PidfdInfo.parse(new byte[] {1, 2, 3}).toString()).contains("3 bytes");
  }

  @Test
  void bytesAreKeptAsGiven() {
    byte[] bytes = kernelPeer(72, PID_CREDS_CGROUP_COREDUMP, 1);
    assertThat(PidfdInfo.parse(bytes).bytes()).isEqualTo(bytes);
  }
}
