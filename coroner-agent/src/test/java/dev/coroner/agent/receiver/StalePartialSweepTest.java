package dev.coroner.agent.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.capture.write.StalePartials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's start sweeps the partial dumps killed captures left, as the receiver of one host
 * does: only those older than the capture timeout and the grace, each one reported (the agent
 * counts them in coroner_stale_partials_removed_total); dumps and fresh partials stay.
 */
class StalePartialSweepTest {
  @Test
  void stalePartialsGoAndAreReported(@TempDir Path dumps) throws Exception {
    CaptureSettings settings = CaptureSettings.defaults().withDumpDir(dumps);
    Duration old = settings.timeout().plus(StalePartials.GRACE).plusMinutes(5);
    Path stale =
        Files.writeString(dumps.resolve("core-node-41-11-20261202T010203.zip.partial"), "x");
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(old)));
    Path fresh =
        Files.writeString(dumps.resolve("core-node-42-11-20261202T010204.zip.partial"), "y");
    Path dump = Files.writeString(dumps.resolve("core-node-40-11-20261202T010201.zip"), "z");
    Files.setLastModifiedTime(dump, FileTime.from(Instant.now().minus(old)));

    List<StalePartials.Removed> reported = new ArrayList<>();
    var swept = AgentReceiver.sweepStalePartials(settings, reported::add);

    assertThat(reported)
        .isEqualTo(swept)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.file()).isEqualTo(stale);
              assertThat(r.size()).isEqualTo(1);
              assertThat(r.describe()).contains("a capture was killed while writing it");
            });
    assertThat(stale).doesNotExist();
    assertThat(fresh).exists();
    assertThat(dump).exists();
  }

  @Test
  void aMissingDumpDirectoryHasNone(@TempDir Path dir) {
    CaptureSettings settings = CaptureSettings.defaults().withDumpDir(dir.resolve("none"));
    assertThat(AgentReceiver.sweepStalePartials(settings, r -> {})).isEmpty();
  }
}
