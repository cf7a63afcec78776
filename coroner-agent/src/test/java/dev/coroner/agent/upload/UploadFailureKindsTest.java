package dev.coroner.agent.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.agent.TestDumps;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.base.retry.RetryPolicy;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.VerifiedUploads;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The upload metric's label comes from the store failure's kind, never from its words: each kind
 * fails with a message that names another kind's words, and the label is still the kind's. The real
 * stores' kinds are checked against s3proxy in S3StoreIT and AgentIT.
 */
class UploadFailureKindsTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(StoreFailure.class)
  void theMetricLabelIsTheKinds(StoreFailure kind) throws Exception {
    Path zip = TestDumps.write(dir, 1 << 10, 11).zip();
    VerifiedUploads failing =
        (file, info) -> {
          throw new StoreException(kind, "access denied; does not exist; cannot reach; not intact");
        };
    AgentMetrics metrics = new AgentMetrics();
    try (DumpUploader uploader =
        new DumpUploader(
            failing,
            metrics,
            RetryPolicy.exponential(Duration.ofMinutes(1), Duration.ofMinutes(1)))) {
      uploader.offer(zip);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> metrics.uploads.labelValues(kind.label()).get() >= 1);
      for (StoreFailure other : StoreFailure.values()) {
        if (other != kind) {
          assertThat(metrics.uploads.labelValues(other.label()).get()).as(other.name()).isZero();
        }
      }
      assertThat(zip).as("a failed upload keeps the dump").exists();
    }
  }
}
