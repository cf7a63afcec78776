package dev.coroner.agent.upload;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.base.retry.RetryPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dump the uploader will never upload is told to whoever waits for it (a snapshot request): one
 * that is not a readable zip, moved to {@code corrupt/}, and one removed before its upload. Neither
 * reaches the store.
 */
class DumpUploaderAbandonTest {
  @TempDir Path dumps;

  @Test
  void anUnreadableOrVanishedDumpIsAbandonedAndSaysWhy() throws Exception {
    AgentMetrics metrics = new AgentMetrics();
    Map<Path, String> abandoned = new ConcurrentHashMap<>();
    DumpUploader uploader =
        new DumpUploader(
                (zip, info) -> {
                  throw new AssertionError("nothing may reach the store: " + zip);
                },
                metrics,
                RetryPolicy.exponential(Duration.ofMillis(10), Duration.ofSeconds(1)))
            .onAbandoned(abandoned::put);
    try {
      Path garbage = Files.writeString(dumps.resolve("garbage.zip"), "not a zip at all");
      uploader.offer(garbage);
      Path gone = dumps.resolve("gone.zip");
      uploader.offer(gone);

      await().atMost(30, SECONDS).until(() -> abandoned.size() == 2);
      assertThat(abandoned.get(garbage))
          .startsWith("it is not a readable dump (")
          .endsWith("it was moved to " + dumps.resolve("corrupt"));
      assertThat(dumps.resolve("corrupt/garbage.zip")).exists();
      assertThat(garbage).doesNotExist();
      assertThat(abandoned.get(gone)).contains("removed from the dump directory before its upload");
      assertThat(metrics.uploads.labelValues("corrupt").get()).isEqualTo(1);
    } finally {
      uploader.close();
    }
  }
}
