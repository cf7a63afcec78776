package dev.coroner.agent.trigger;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Pods and kubelet Events as the API server holds them; the tests play the kubelet. */
final class TestPods {
  private TestPods() {}

  /**
   * Creates or replaces {@code pod} with its status, as the kubelet writes it; returns the pod as
   * the API server holds it (its UID is the server's).
   */
  static Pod put(KubernetesClient client, Pod pod) {
    Pod existing =
        client
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .get();
    Pod stored;
    if (existing == null) {
      stored = client.resource(pod).create();
    } else {
      pod.getMetadata().setUid(existing.getMetadata().getUid());
      pod.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      stored = client.resource(pod).update();
    }
    pod.getMetadata().setUid(stored.getMetadata().getUid());
    pod.getMetadata().setResourceVersion(stored.getMetadata().getResourceVersion());
    return client.resource(pod).updateStatus();
  }

  /** A 64-hex container ID made of {@code seed}. */
  static String containerId(String seed) {
    String hex = String.format("%064x", new java.math.BigInteger(1, seed.getBytes()));
    return hex.substring(hex.length() - 64);
  }

  /**
   * A pod of Deployment {@code deployment} (through its ReplicaSet) on {@code node}, with one
   * running container {@code app} that has a liveness probe every 10 s.
   */
  static Pod running(
      String namespace,
      String name,
      String node,
      @Nullable String annotation,
      String deployment,
      Instant startedAt,
      int restartCount) {
    Map<String, String> annotations = new HashMap<>();
    if (annotation != null) {
      annotations.put(TriggerPolicy.ANNOTATION, annotation);
    }
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .withUid("uid-" + name)
        .withAnnotations(annotations)
        .withLabels(Map.of("pod-template-hash", "5d8f7c9b6"))
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withKind("ReplicaSet")
                .withName(deployment + "-5d8f7c9b6")
                .withController(true)
                .build())
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .addNewContainer()
        .withName("app")
        .withImage("registry.example/web:1")
        .withNewLivenessProbe()
        .withPeriodSeconds(10)
        .withTimeoutSeconds(1)
        .withFailureThreshold(3)
        .withNewHttpGet()
        .withPath("/healthz")
        .withNewPort(8080)
        .endHttpGet()
        .endLivenessProbe()
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .addNewContainerStatus()
        .withName("app")
        .withContainerID("containerd://" + containerId(name))
        .withRestartCount(restartCount)
        .withReady(true)
        .withNewState()
        .withNewRunning()
        .withStartedAt(startedAt.toString())
        .endRunning()
        .endState()
        .endContainerStatus()
        .endStatus()
        .build();
  }

  /**
   * The kubelet's aggregated Event for the failed probes of container {@code app}: {@code kind}
   * Liveness or Readiness, {@code count} failures so far, the first at {@code first}, the latest at
   * {@code last}.
   */
  static Event unhealthy(
      Pod pod, String name, String kind, int count, Instant first, Instant last) {
    return new EventBuilder()
        .withNewMetadata()
        .withNamespace(pod.getMetadata().getNamespace())
        .withName(name)
        .endMetadata()
        .withNewInvolvedObject()
        .withKind("Pod")
        .withApiVersion("v1")
        .withNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName())
        .withUid(pod.getMetadata().getUid())
        .withFieldPath("spec.containers{app}")
        .endInvolvedObject()
        .withReason("Unhealthy")
        .withType("Warning")
        .withMessage(kind + " probe failed: HTTP probe failed with statuscode: 500")
        .withNewSource("kubelet", pod.getSpec().getNodeName())
        .withCount(count)
        .withFirstTimestamp(first.toString())
        .withLastTimestamp(last.toString())
        .build();
  }
}
