package dev.coroner.cli.k8s;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/**
 * Plays the kubelet and the scheduler against the mock API server: writes the statuses a real node
 * would report for the debug pod, one step at a time.
 */
final class Kubelet {
  private final KubernetesClient client;
  private final String namespace;
  private final String name;

  Kubelet(KubernetesClient client, String namespace, String name) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
  }

  /** The scheduler placed it on {@code node}; the exe init container is being created. */
  void scheduled(String node) {
    Pod pod = pod();
    pod.getSpec().setNodeName(node);
    client.pods().inNamespace(namespace).resource(pod).update();
    status(
        new PodStatusBuilder()
            .withPhase("Pending")
            .withConditions(condition("PodScheduled", "True", null, null))
            .withInitContainerStatuses(
                waiting("exe", "ContainerCreating", null),
                waiting("fetch", "PodInitializing", null))
            .withContainerStatuses(waiting("debug", "PodInitializing", null))
            .build());
  }

  /** The scheduler found no node. */
  void unschedulable(String message) {
    status(
        new PodStatusBuilder()
            .withPhase("Pending")
            .withConditions(condition("PodScheduled", "False", "Unschedulable", message))
            .build());
  }

  /** The exe container copies, or the fetch container downloads ({@code container} runs). */
  void initRunning(String container) {
    List<ContainerStatus> inits = new ArrayList<>();
    if (container.equals("fetch")) {
      inits.add(terminated("exe", 0, "Completed", null));
      inits.add(running("fetch"));
    } else {
      inits.add(running("exe"));
      inits.add(waiting("fetch", "PodInitializing", null));
    }
    status(
        new PodStatusBuilder()
            .withPhase("Pending")
            .withConditions(condition("PodScheduled", "True", null, null))
            .withInitContainerStatuses(inits)
            .withContainerStatuses(waiting("debug", "PodInitializing", null))
            .build());
  }

  /** Both init containers done, the debug container running and ready. */
  void ready() {
    status(
        new PodStatusBuilder()
            .withPhase("Running")
            .withConditions(
                condition("PodScheduled", "True", null, null),
                condition("Initialized", "True", null, null),
                condition("Ready", "True", null, null))
            .withInitContainerStatuses(
                terminated("exe", 0, "Completed", null), terminated("fetch", 0, "Completed", null))
            .withContainerStatuses(running("debug"))
            .build());
  }

  /** The image of {@code container} cannot be pulled. */
  void imagePullBackOff(String container, String message) {
    status(
        new PodStatusBuilder()
            .withPhase("Pending")
            .withConditions(condition("PodScheduled", "True", null, null))
            .withInitContainerStatuses(
                waiting(container, "ImagePullBackOff", message),
                waiting("fetch", "PodInitializing", null))
            .withContainerStatuses(waiting("debug", "PodInitializing", null))
            .build());
  }

  private void status(PodStatus status) {
    Pod pod = pod();
    pod.setStatus(status);
    client.pods().inNamespace(namespace).resource(pod).updateStatus();
  }

  private Pod pod() {
    return client.pods().inNamespace(namespace).withName(name).get();
  }

  private String image(String container) {
    Pod pod = pod();
    return java.util.stream.Stream.concat(
            pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
        .filter(c -> c.getName().equals(container))
        .findFirst()
        .orElseThrow()
        .getImage();
  }

  static PodCondition condition(String type, String status, String reason, String message) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .build();
  }

  private ContainerStatus waiting(String container, String reason, String message) {
    return new ContainerStatusBuilder()
        .withName(container)
        .withImage(image(container))
        .withReady(false)
        .withNewState()
        .withNewWaiting()
        .withReason(reason)
        .withMessage(message)
        .endWaiting()
        .endState()
        .build();
  }

  private ContainerStatus running(String container) {
    return new ContainerStatusBuilder()
        .withName(container)
        .withImage(image(container))
        .withReady(container.equals("debug"))
        .withNewState()
        .withNewRunning()
        .withStartedAt("2026-11-27T09:00:00Z")
        .endRunning()
        .endState()
        .build();
  }

  private ContainerStatus terminated(String container, int code, String reason, String message) {
    return new ContainerStatusBuilder()
        .withName(container)
        .withImage(image(container))
        .withReady(false)
        .withNewState()
        .withNewTerminated()
        .withExitCode(code)
        .withReason(reason)
        .withMessage(message)
        .endTerminated()
        .endState()
        .build();
  }
}
