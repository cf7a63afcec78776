package dev.coroner.agent.snapshot;

import dev.coroner.agent.kube.ApiFailures;
import dev.coroner.base.retry.RetryPolicy;
import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.kube.api.CoreDumpSnapshot;
import dev.coroner.kube.api.CoreDumpSnapshotStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Writes requests' statuses (the status subresource: users' roles cannot). Taking a request is one
 * update that names the resource version it saw, so two agents never both take it; everything after
 * is a JSON merge patch of the fields that changed, written in order from one background thread and
 * retried, since a snapshot's outcome must reach its requester.
 */
final class StatusWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);
  private static final RetryPolicy RETRY =
      RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30)).withAttempts(6);

  private final KubernetesClient client;
  private final ApiFailures failures = new ApiFailures();
  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(DaemonThreads.named("coroner-snapshot-status"));

  StatusWriter(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Takes {@code request} with status {@code running}, if it is still as this agent saw it: false
   * when someone changed it meanwhile (409) or it is gone (404).
   *
   * @throws KubernetesClientException the API server refused or did not answer
   */
  boolean take(CoreDumpSnapshot request, CoreDumpSnapshotStatus running) {
    // A copy: the informer's cached object must not change under it.
    CoreDumpSnapshot copy = new CoreDumpSnapshot();
    copy.setMetadata(
        new ObjectMetaBuilder()
            .withName(request.getMetadata().getName())
            .withNamespace(request.getMetadata().getNamespace())
            .withUid(request.getMetadata().getUid())
            .withResourceVersion(request.getMetadata().getResourceVersion())
            .build());
    copy.setSpec(request.getSpec());
    copy.setStatus(running);
    try {
      client.resources(CoreDumpSnapshot.class).resource(copy).updateStatus();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409 || e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  /** Merges the non-null fields of {@code status} into the request's, in the background. */
  void merge(String namespace, String name, CoreDumpSnapshotStatus status) {
    String patch = client.getKubernetesSerialization().asJson(Map.of("status", status));
    writer.execute(() -> write(namespace, name, patch));
  }

  private void write(String namespace, String name, String patch) {
    MDC.put("namespace", namespace);
    try {
      RETRY.call(
          () ->
              client
                  .resources(CoreDumpSnapshot.class)
                  .inNamespace(namespace)
                  .withName(name)
                  .subresource("status")
                  .patch(PatchContext.of(PatchType.JSON_MERGE), patch),
          e -> e instanceof KubernetesClientException k && k.getCode() != 404);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (failures.first(e)) {
        LOG.warn(
            "Could not write the status of snapshot request {}/{}: {}; later failures of this"
                + " kind are only logged at debug level",
            namespace,
            name,
            ApiFailures.describe(e));
      } else {
        LOG.debug("status of {}/{} not written: {}", namespace, name, ApiFailures.describe(e));
      }
    } finally {
      MDC.remove("namespace");
    }
  }

  /** Gives the statuses still queued up to five seconds. */
  @Override
  public void close() {
    DaemonThreads.shutdown(writer, Duration.ofSeconds(5));
  }
}
