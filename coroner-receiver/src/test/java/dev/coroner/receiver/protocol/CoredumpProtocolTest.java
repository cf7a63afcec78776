package dev.coroner.receiver.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class CoredumpProtocolTest {
  private static final long ALL = 0xf; // KERNEL | USERSPACE | REJECT | WAIT, as 6.17 and 6.18 offer

  private static ByteBuffer request(int size, int sizeAck, long mask) {
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(size).putInt(sizeAck).putLong(mask);
    return b.clear();
  }

  @Test
  void decodesTheKernelsRequest() throws Exception {
    ByteBuffer wire = request(16, 16, ALL);
    assertThat(CoredumpRequest.peekSize(wire)).isEqualTo(16);
    CoredumpRequest req = CoredumpRequest.decode(wire);
    assertThat(req).isEqualTo(new CoredumpRequest(16, 16, ALL));
    assertThat(req.offered()).isEqualTo(EnumSet.allOf(CoredumpFlag.class));
    assertThat(wire.position()).as("peek and decode leave the buffer").isZero();
    assertThat(req.encode()).isEqualTo(request(16, 16, ALL));
  }

  @Test
  void longerRequestFromANewerKernelKeepsTheKnownPart() throws Exception {
    ByteBuffer wire = request(40, 24, ALL | 0x10);
    CoredumpRequest req = CoredumpRequest.decode(wire);
    assertThat(req.size()).isEqualTo(40);
    assertThat(req.sizeAck()).isEqualTo(24);
    assertThat(req.mask()).isEqualTo(0x1f);
    assertThat(req.offered()).hasSize(4);
  }

  @Test
  void requestSizesOutsideOneToOnePageAreRefused() {
    assertThatThrownBy(() -> CoredumpRequest.peekSize(request(16, 16, ALL).putInt(0, 15)))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("15 bytes");
    assertThatThrownBy(() -> CoredumpRequest.peekSize(request(16, 16, ALL).putInt(0, 4097)))
        .hasMessageContaining("4097 bytes");
    assertThatThrownBy(() -> CoredumpRequest.peekSize(request(16, 16, ALL).putInt(0, -1)))
        .hasMessageContaining("4294967295 bytes");
    assertThatThrownBy(() -> CoredumpRequest.peekSize(ByteBuffer.allocate(3)))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> CoredumpRequest.decode(request(16, 16, ALL).putInt(0, 20)))
        .hasMessageContaining("announces 20 bytes but 16 came");
  }

  @Test
  void kernelWaitAckIsSixteenBytes() throws Exception {
    CoredumpRequest req = new CoredumpRequest(16, 16, ALL);
    CoredumpAck ack = CoredumpAck.answer(req, CoredumpFlag.KERNEL, true);
    assertThat(ack.size()).isEqualTo(16);
    assertThat(ack.mask()).isEqualTo(0x9);
    byte[] wire = new byte[16];
    ack.encode().get(wire);
    assertThat(wire).isEqualTo(new byte[] {16, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0});
    assertThat(CoredumpAck.decode(ack.encode())).isEqualTo(ack);
  }

  @Test
  void rejectAckHasOnlyReject() throws Exception {
    CoredumpAck ack =
        CoredumpAck.answer(new CoredumpRequest(16, 16, ALL), CoredumpFlag.REJECT, false);
    assertThat(ack.flags()).containsExactly(CoredumpFlag.REJECT);
    assertThat(ack.encode().order(ByteOrder.LITTLE_ENDIAN).getLong(8)).isEqualTo(4);
  }

  @Test
  void ackSizeIsAtMostWhatTheKernelReads() throws Exception {
    CoredumpAck ack =
        CoredumpAck.answer(new CoredumpRequest(16, 64, ALL), CoredumpFlag.KERNEL, false);
    assertThat(ack.size()).isEqualTo(16);
    assertThatThrownBy(
            () -> CoredumpAck.answer(new CoredumpRequest(16, 8, ALL), CoredumpFlag.KERNEL, false))
        .hasMessageContaining("at most 8 bytes");
  }

  @Test
  void ackMustBeASubsetOfTheOfferWithOneAction() {
    CoredumpRequest noWait = new CoredumpRequest(16, 16, 0x7);
    assertThatThrownBy(() -> CoredumpAck.answer(noWait, CoredumpFlag.KERNEL, true))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("cannot be answered");
    assertThatThrownBy(
            () -> CoredumpAck.answer(new CoredumpRequest(16, 16, 0x4), CoredumpFlag.KERNEL, false))
        .hasMessageContaining("cannot be answered");
    assertThatThrownBy(
            () -> CoredumpAck.answer(new CoredumpRequest(16, 16, ALL), CoredumpFlag.WAIT, false))
        .hasMessageContaining("KERNEL, USERSPACE or REJECT");
  }

  @Test
  void ackWithNonZeroSpareIsRefused() {
    ByteBuffer wire = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    wire.putInt(16).putInt(1).putLong(1).clear();
    assertThatThrownBy(() -> CoredumpAck.decode(wire)).hasMessageContaining("spare");
  }

  @Test
  void marksAreFourBytes() throws Exception {
    for (CoredumpMark mark : CoredumpMark.values()) {
      ByteBuffer wire = mark.encode();
      assertThat(wire.remaining()).isEqualTo(4);
      assertThat(CoredumpMark.decode(wire)).isEqualTo(mark);
    }
    assertThat(CoredumpMark.REQACK.value()).isZero();
    assertThat(CoredumpMark.CONFLICTING.value()).isEqualTo(4);
    ByteBuffer five = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 5);
    assertThatThrownBy(() -> CoredumpMark.decode(five))
        .hasMessageContaining("unknown coredump mark 5");
    assertThatThrownBy(() -> CoredumpMark.decode(ByteBuffer.allocate(1)))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void flagsMatchTheUapi() {
    assertThat(CoredumpFlag.KERNEL.bit()).isEqualTo(1);
    assertThat(CoredumpFlag.USERSPACE.bit()).isEqualTo(2);
    assertThat(CoredumpFlag.REJECT.bit()).isEqualTo(4);
    assertThat(CoredumpFlag.WAIT.bit()).isEqualTo(8);
    assertThat(CoredumpFlag.of(0xff)).hasSize(4);
    assertThat(CoredumpFlag.mask(EnumSet.of(CoredumpFlag.KERNEL, CoredumpFlag.WAIT))).isEqualTo(9);
  }
}
