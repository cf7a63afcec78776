package dev.coroner.capture.write;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Who may read a dump through an ACL, from the crashed process's /proc/PID/status. */
class OwnerAclTest {
  private static byte[] status(String uid, String gid) {
    return ("Name:\tapp\nUmask:\t0022\nState:\tR (running)\nUid:\t"
            + uid
            + "\nGid:\t"
            + gid
            + "\nFDSize:\t64\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aPlainProcessIsItsOwners() {
    assertThat(OwnerAcl.ownerOf(1000, status("1000\t1000\t1000\t1000", "100\t100\t100\t100")))
        .isEqualTo(1000);
  }

  @Test
  void aSetuidOrSetgidProcessIsNoOnes() {
    // passwd run by uid 1000: its core holds root's memory.
    assertThat(OwnerAcl.ownerOf(1000, status("1000\t0\t0\t0", "100\t100\t100\t100"))).isEqualTo(-1);
    assertThat(OwnerAcl.ownerOf(1000, status("1000\t1000\t0\t1000", "100\t100\t100\t100")))
        .isEqualTo(-1);
    assertThat(OwnerAcl.ownerOf(1000, status("1000\t1000\t1000\t1000", "100\t42\t42\t42")))
        .isEqualTo(-1);
  }

  @Test
  void rootNoStatusOrAnUnreadableOneIsNoOnes() {
    assertThat(OwnerAcl.ownerOf(0, status("0\t0\t0\t0", "0\t0\t0\t0"))).isEqualTo(-1);
    assertThat(OwnerAcl.ownerOf(1000, null)).isEqualTo(-1);
    assertThat(OwnerAcl.ownerOf(1000, "Uid:\tx\n".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
  }
}
