package dev.coroner.agent.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.agent.TestDumps;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.archive.DumpArchive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the agent reads of a dump before its upload, on dumps made to measure (no debugger). */
class DumpAnalysisTest {
  @TempDir Path dir;

  private final AgentMetrics metrics = new AgentMetrics();

  @Test
  void aCoreThatIsNoElfFileIsNotExtracted() throws Exception {
    TestDumps.Written dump = TestDumps.write(dir.resolve("dumps"), 64L << 20, 11);
    DumpAnalysis analysis = new DumpAnalysis(null, null, null, dir.resolve("work"), metrics);

    DumpInfo info = info(dump.zip());
    assertThat(analysis.prepare(dump.zip(), info)).isEqualTo(info);

    assertThat(metrics.analyses.labelValues("skipped").get()).isEqualTo(1);
    // Extracted, its wrong sha256 would have failed the analysis instead.
    assertThat(metrics.analyses.labelValues("failed").get()).isZero();
    assertThat(TestDumps.sha256(dump.zip())).isEqualTo(dump.sha256()); // untouched
    assertThat(empty(dir.resolve("work"))).isTrue();
  }

  @Test
  void anElfCoreIsExtractedAndCheckedAgainstItsDumpInfo() throws Exception {
    TestDumps.Written dump = TestDumps.writeElf(dir.resolve("dumps"), 16L << 20, 11);
    DumpAnalysis analysis = new DumpAnalysis(null, null, null, dir.resolve("work"), metrics);

    DumpInfo info = info(dump.zip());
    assertThat(analysis.prepare(dump.zip(), info)).isEqualTo(info); // nothing to learn here

    assertThat(metrics.analyses.labelValues("skipped").get()).isZero();
    assertThat(metrics.analyses.labelValues("failed").get()).isZero(); // sha256 matched
    assertThat(empty(dir.resolve("work"))).isTrue(); // the extracted core is gone
  }

  private static DumpInfo info(Path zip) throws Exception {
    try (DumpArchive a = DumpArchive.open(zip)) {
      return a.info();
    }
  }

  private static boolean empty(Path d) throws Exception {
    try (Stream<Path> s = Files.list(d)) {
      return s.findAny().isEmpty();
    }
  }
}
