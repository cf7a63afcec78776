package dev.coroner.dump;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.dump.DumpInfo.Integrity;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class IntegrityTest {
  @Test
  void idsAreTheDocumentedWords() {
    assertThat(Arrays.stream(IntegrityCause.values()).map(IntegrityCause::id))
        .containsExactly(
            "empty",
            "not-elf",
            "bad-header",
            "short",
            "max-core-size",
            "flood",
            "max-use",
            "keep-free",
            "timeout",
            "read-error",
            "write-error",
            "scrub-failed",
            "unknown");
    for (IntegrityCause c : IntegrityCause.values()) {
      assertThat(IntegrityCause.fromId(c.id())).isSameAs(c);
    }
    assertThat(IntegrityCause.fromId("from-a-later-version")).isSameAs(IntegrityCause.UNKNOWN);
  }

  @Test
  void reasonIsTheOldText() {
    assertThat(Integrity.truncated(IntegrityCause.TIMEOUT, null).reason()).isEqualTo("timeout");
    assertThat(Integrity.truncated(IntegrityCause.MAX_USE, "the dump directory holds 9").reason())
        .isEqualTo("max-use: the dump directory holds 9");
    assertThat(Integrity.truncated(IntegrityCause.UNKNOWN, "odd: text").reason())
        .isEqualTo("odd: text");
    assertThat(Integrity.complete().reason()).isNull();
  }

  @Test
  void theCauseComesFromItsIdWhenPresent() {
    Integrity i = Integrity.read(true, "keep-free", "keep-free: only 5 bytes free");
    assertThat(i).isEqualTo(Integrity.truncated(IntegrityCause.KEEP_FREE, "only 5 bytes free"));
    assertThat(Integrity.read(true, "timeout", "timeout"))
        .isEqualTo(Integrity.truncated(IntegrityCause.TIMEOUT, null));
    assertThat(Integrity.read(true, "flood", "too many"))
        .as("a reason that does not start with the cause is the detail")
        .isEqualTo(Integrity.truncated(IntegrityCause.FLOOD, "too many"));
  }

  @Test
  void oldDumpsWithoutACauseAreReadFromTheReasonPrefix() {
    assertThat(Integrity.read(true, null, "timeout").cause()).isSameAs(IntegrityCause.TIMEOUT);
    assertThat(Integrity.read(true, null, "flood: shop/web/app already kept 2 cores"))
        .isEqualTo(Integrity.truncated(IntegrityCause.FLOOD, "shop/web/app already kept 2 cores"));
    assertThat(Integrity.read(true, null, "not-elf: not an ELF file").cause())
        .isSameAs(IntegrityCause.NOT_ELF);
    assertThat(Integrity.read(true, null, "max-core-size: the core exceeds").cause())
        .isSameAs(IntegrityCause.MAX_CORE_SIZE);
    Integrity odd = Integrity.read(true, null, "something else: entirely");
    assertThat(odd.cause()).isSameAs(IntegrityCause.UNKNOWN);
    assertThat(odd.reason()).isEqualTo("something else: entirely");
    assertThat(Integrity.read(true, null, null).cause()).isSameAs(IntegrityCause.UNKNOWN);
    assertThat(Integrity.read(false, null, null)).isEqualTo(Integrity.complete());
  }

  @Test
  void everyCauseRoundTripsThroughItsText() {
    for (IntegrityCause c : IntegrityCause.values()) {
      Integrity i = Integrity.truncated(c, "x: y");
      assertThat(Integrity.read(true, null, i.reason())).as(c.id()).isEqualTo(i);
      assertThat(Integrity.read(true, c.id(), i.reason())).as(c.id()).isEqualTo(i);
    }
  }

  @Test
  void aCauseGoesWithTruncationOnly() {
    assertThatThrownBy(() -> new Integrity(true, null, "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Integrity(false, IntegrityCause.TIMEOUT, null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
