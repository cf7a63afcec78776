package dev.coroner.agent.kube;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Events on crashed pods, posted and listed back. Kubernetes' API server cannot run on this
 * machine, so this uses fabric8's mock server in CRUD mode for that one boundary.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class PodEventsTest {
  private static final PodRef POD = new PodRef("shop", "web-5d8f7c9b6-x2x7q", "0e9c-uid");
  private static final String DUMP = "1a2b3c4d-node-web-5d8f7c9b6-x2x7q-8-SIGSEGV";

  KubernetesMockServer server;
  KubernetesClient client;

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(PodEvents.class);

  @BeforeEach
  void captureLogs() {
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    logger.detachAppender(logs);
  }

  @Test
  void coreDumpedIsListedOnThePod() {
    try (PodEvents events = new PodEvents(client, "node-1")) {
      events.coreDumped(POD, "SIGSEGV", "node", DUMP);
      await().atMost(10, SECONDS).until(() -> events.posted() == 1);
      assertThat(events.failed()).isZero();
    }

    List<Event> listed = client.v1().events().inNamespace("shop").list().getItems();
    assertThat(listed).hasSize(1);
    Event event = listed.get(0);
    assertThat(event.getReason()).isEqualTo("CoreDumped");
    assertThat(event.getType()).isEqualTo("Warning");
    assertThat(event.getInvolvedObject())
        .extracting("kind", "apiVersion", "namespace", "name", "uid")
        .containsExactly("Pod", "v1", "shop", "web-5d8f7c9b6-x2x7q", "0e9c-uid");
    assertThat(event.getMessage()).isEqualTo("Process node dumped core on SIGSEGV: dump " + DUMP);
    assertThat(event.getSource().getComponent()).isEqualTo("coroner-agent");
    assertThat(event.getSource().getHost()).isEqualTo("node-1");
    assertThat(event.getReportingComponent()).isEqualTo("coroner.dev/agent");
    assertThat(event.getReportingInstance()).isEqualTo("node-1");
    assertThat(event.getCount()).isEqualTo(1);
    assertThat(event.getMetadata().getName()).matches("web-5d8f7c9b6-x2x7q\\.[0-9a-f]+");
    assertThat(event.getMetadata().getNamespace()).isEqualTo("shop");
    // The API server wants an action with eventTime, and exactly six fractional digits.
    assertThat(event.getAction()).isNotBlank();
    assertThat(event.getEventTime().getTime())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
    assertThat(event.getFirstTimestamp()).isEqualTo(event.getLastTimestamp()).isNotNull();
  }

  @Test
  void skippedCoreSaysWhy() {
    try (PodEvents events = new PodEvents(client, "node-1")) {
      events.coreDumpSkipped(
          POD, "flood: 5 cores of shop/Deployment/web in 10m", "SIGABRT", "java");
      events.coreDumpSkipped(POD, "policy: exe excluded", "SIGSEGV", "node");
      await().atMost(10, SECONDS).until(() -> events.posted() == 2);
    }

    assertThat(client.v1().events().inNamespace("shop").list().getItems())
        .extracting(Event::getReason, Event::getType, Event::getMessage)
        .containsExactlyInAnyOrder(
            tuple(
                "CoreDumpSkipped",
                "Warning",
                "Process java crashed on SIGABRT, core not kept: flood: 5 cores of"
                    + " shop/Deployment/web in 10m"),
            tuple(
                "CoreDumpSkipped",
                "Warning",
                "Process node crashed on SIGSEGV, core not kept: policy: exe excluded"));
  }

  @Test
  void coreDumpedNamesTheTopFrameOfTheAnalysis() {
    try (PodEvents events = new PodEvents(client, "node-1")) {
      events.coreDumped(POD, "SIGTRAP", "node", "bar (index.js:11)", DUMP);
      await().atMost(10, SECONDS).until(() -> events.posted() == 1);
    }
    assertThat(client.v1().events().inNamespace("shop").list().getItems().get(0).getMessage())
        .isEqualTo("Process node dumped core on SIGTRAP in bar (index.js:11): dump " + DUMP);
  }

  @Test
  void eventsInTheSameInstantGetTheirOwnNames() {
    try (PodEvents events = new PodEvents(client, "node-1")) {
      for (int i = 0; i < 5; i++) {
        events.coreDumped(POD, "SIGSEGV", "node", DUMP + i);
      }
      // The mock refuses a second create of one name (409), as the API server does.
      await().atMost(10, SECONDS).until(() -> events.posted() == 5);
      assertThat(events.failed()).isZero();
    }
    assertThat(client.v1().events().inNamespace("shop").list().getItems()).hasSize(5);
  }

  @Test
  void longMessageIsCutToTheApiLimit() {
    String exe = "ü".repeat(2000);
    try (PodEvents events = new PodEvents(client, "node-1")) {
      events.coreDumped(POD, "SIGSEGV", exe, DUMP);
      await().atMost(10, SECONDS).until(() -> events.posted() == 1);
    }
    String message = client.v1().events().inNamespace("shop").list().getItems().get(0).getMessage();
    assertThat(message.getBytes(StandardCharsets.UTF_8)).hasSizeBetween(1000, 1024);
    assertThat(message).startsWith("Process üü").endsWith("ü...");
  }

  @Test
  void longPodNameStillGivesAValidEventName() {
    // 236 characters, then a dash where the name has to be cut for the suffix.
    String name = "a".repeat(235) + "-" + "b".repeat(17);
    try (PodEvents events = new PodEvents(client, "node-1")) {
      events.coreDumped(new PodRef("shop", name, null), "SIGSEGV", "node", DUMP);
      await().atMost(10, SECONDS).until(() -> events.posted() == 1);
    }
    Event event = client.v1().events().inNamespace("shop").list().getItems().get(0);
    assertThat(event.getMetadata().getName())
        .hasSizeLessThanOrEqualTo(253)
        .matches("a{235}\\.[0-9a-f]+");
    assertThat(event.getInvolvedObject().getName()).isEqualTo(name);
    assertThat(event.getInvolvedObject().getUid()).isNull();
  }

  @Test
  void unreachableApiCountsAFailureWithoutThrowing() {
    List<PodEvents.Result> results = new CopyOnWriteArrayList<>();
    try (KubernetesClient dead = DeadApis.closedPort();
        PodEvents events = new PodEvents(dead, "node-1", 8, results::add)) {
      events.coreDumped(POD, "SIGSEGV", "node", DUMP);
      events.coreDumpSkipped(POD, "policy: exe excluded", "SIGSEGV", "node");

      await().atMost(10, SECONDS).until(() -> events.failed() == 2);
      assertThat(events.posted()).isZero();
      assertThat(results).containsExactly(PodEvents.Result.FAILED, PodEvents.Result.FAILED);
    }
    assertThat(warnings()).hasSize(1);
  }

  @Test
  void aSilentApiDoesNotHoldTheCaller() throws Exception {
    try (DeadApis.Silent silent = new DeadApis.Silent();
        KubernetesClient hanging = silent.client(3000);
        PodEvents events = new PodEvents(hanging, "node-1")) {
      long start = System.nanoTime();
      events.coreDumped(POD, "SIGSEGV", "node", DUMP);
      Duration call = Duration.ofNanos(System.nanoTime() - start);

      // The request itself waits three seconds for its timeout, on the posting thread.
      assertThat(call).isLessThan(Duration.ofSeconds(1));
      await().atMost(10, SECONDS).until(() -> events.failed() == 1);
    }
  }

  @Test
  void fullQueueDropsAndCounts() throws Exception {
    List<PodEvents.Result> results = new CopyOnWriteArrayList<>();
    try (DeadApis.Silent silent = new DeadApis.Silent();
        KubernetesClient hanging = silent.client(500);
        PodEvents events = new PodEvents(hanging, "node-1", 2, results::add)) {
      for (int i = 0; i < 10; i++) {
        events.coreDumped(POD, "SIGSEGV", "node", DUMP + i);
      }
      // One in flight on the posting thread, two waiting, seven turned away at once.
      assertThat(events.dropped()).isEqualTo(7);
      await().atMost(10, SECONDS).until(() -> events.failed() == 3);
      assertThat(results)
          .filteredOn(r -> r == PodEvents.Result.DROPPED)
          .hasSize(7)
          .allMatch(r -> r.label().equals("dropped"));
    }
  }

  @Test
  void forbiddenIsLoggedOnceWithoutTheToken() {
    // Expectations mode: CRUD mode has no way to refuse a request.
    KubernetesMockServer strict = new KubernetesMockServer(false);
    strict.init();
    try {
      strict
          .expect()
          .post()
          .withPath("/api/v1/namespaces/shop/events")
          .andReturn(
              403,
              new StatusBuilder()
                  .withCode(403)
                  .withReason("Forbidden")
                  .withMessage(
                      "events is forbidden: User \"system:serviceaccount:coroner:coroner\" cannot"
                          + " create resource \"events\" in the namespace \"shop\"")
                  .build())
          .always();
      try (KubernetesClient forbidden = KubeClients.create(DeadApis.config(strict.url("/")));
          PodEvents events = new PodEvents(forbidden, "node-1")) {
        for (int i = 0; i < 3; i++) {
          events.coreDumped(POD, "SIGSEGV", "node", DUMP + i);
        }
        await().atMost(10, SECONDS).until(() -> events.failed() == 3);
      }
    } finally {
      strict.destroy();
    }
    assertThat(warnings()).hasSize(1);
    assertThat(warnings().get(0))
        .contains("CoreDumped", "shop/web-5d8f7c9b6-x2x7q", "403", "cannot create resource")
        .doesNotContain("tok-s3cret");
  }

  @Test
  void afterCloseEventsAreDropped() {
    PodEvents events = new PodEvents(client, "node-1");
    events.close();
    events.coreDumped(POD, "SIGSEGV", "node", DUMP);
    assertThat(events.dropped()).isEqualTo(1);
    assertThat(client.v1().events().inNamespace("shop").list().getItems()).isEmpty();
  }

  @Test
  void truncateCutsBetweenCharacters() {
    assertThat(PodEvents.truncate("short", 1024)).isEqualTo("short");
    assertThat(PodEvents.truncate("x".repeat(1024), 1024)).hasSize(1024);
    assertThat(PodEvents.truncate("x".repeat(1025), 1024)).hasSize(1024).endsWith("x...");
    // A 4-byte character is never split, so the result is valid UTF-8 within the limit.
    String cut = PodEvents.truncate("😀".repeat(300), 1024);
    assertThat(cut.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
    assertThat(cut.codePoints().filter(c -> c == 0x1F600).count()).isEqualTo(255);
  }

  private List<String> warnings() {
    return logs.list.stream()
        .filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }
}
