package dev.coroner.cli.dumps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class TimeArgTest {
  private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");

  @Test
  void takesBackWhatTablesPrintAndEpochSeconds() {
    Instant t = Instant.parse("2026-11-27T07:00:00Z");
    String printed = DumpViews.TIME.format(t.atZone(ZONE));
    assertThat(printed).isEqualTo("2026-11-27 08:00:00 CET");
    assertThat(TimeArg.parse(printed, NOW, ZoneId.of("UTC"))).isEqualTo(t);
    assertThat(TimeArg.parse("1795770000", NOW, ZONE)).isEqualTo(Instant.ofEpochSecond(1795770000));
    assertThat(TimeArg.parse("2h", NOW, ZONE)).isEqualTo(NOW.minusSeconds(7200));
    assertThat(TimeArg.parse("2026-11-27 08:00", NOW, ZONE)).isEqualTo(t);
  }

  @Test
  void somethingElseSaysWhichFormsWork() {
    assertThatThrownBy(() -> TimeArg.parse("soon", NOW, ZONE))
        .hasMessageContaining("'soon'")
        .hasMessageContaining("epoch seconds")
        .hasMessageContaining("as 'coroner list' prints it");
  }
}
