package dev.coroner.cli.k8s;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** Finds and deletes coroner's leftover debug pods, by their labels only. */
final class DebugPodGc {
  /** Without a deadline on the pod (made by hand?), this is how long it may live. */
  static final Duration DEFAULT_DEADLINE = Duration.ofHours(4);

  private DebugPodGc() {}

  /**
   * @param allNamespaces look in every namespace
   * @param olderThan delete pods older than this even if running; null for their own deadline
   * @param dryRun report only
   * @param now the time ages are measured at
   */
  record Options(
      boolean allNamespaces, @Nullable Duration olderThan, boolean dryRun, Instant now) {}

  /** A pod to delete and why. */
  record Doomed(Pod pod, String why) {
    String name() {
      return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }
  }

  static int run(KubeOptions kubeOptions, Options options, PrintWriter out) {
    try (KubeConnect kube = KubeConnect.open(kubeOptions)) {
      String namespace =
          kubeOptions.namespace() != null ? kubeOptions.namespace() : kube.namespace();
      String scope = options.allNamespaces() ? "any namespace" : "namespace " + namespace;
      List<Pod> pods;
      try {
        var all = kube.client().pods();
        var labelled =
            options.allNamespaces()
                ? all.inAnyNamespace().withLabels(DebugPodFactory.selector())
                : all.inNamespace(namespace).withLabels(DebugPodFactory.selector());
        pods = labelled.list().getItems();
      } catch (KubernetesClientException e) {
        throw KubeErrors.of(e, "list debug pods in " + scope, namespace, kube.describe());
      }
      List<Doomed> doomed = select(pods, options.now(), options.olderThan());
      for (Doomed d : doomed) {
        if (!options.dryRun()) {
          String ns = d.pod().getMetadata().getNamespace();
          try {
            kube.client().pods().inNamespace(ns).withName(d.pod().getMetadata().getName()).delete();
          } catch (KubernetesClientException e) {
            throw KubeErrors.of(e, "delete pod " + d.name(), ns, kube.describe());
          }
        }
        out.println((options.dryRun() ? "would delete " : "deleted ") + d.name() + ": " + d.why());
      }
      if (doomed.isEmpty()) {
        out.println(
            "No coroner debug pods to delete in " + scope + " (" + pods.size() + " still in use).");
      }
      out.flush();
      return 0;
    }
  }

  /** The pods among {@code pods} that are finished, past their deadline or too old. */
  static List<Doomed> select(List<Pod> pods, Instant now, @Nullable Duration olderThan) {
    List<Doomed> doomed = new ArrayList<>();
    for (Pod pod : pods) {
      why(pod, now, olderThan).ifPresent(why -> doomed.add(new Doomed(pod, why)));
    }
    return doomed;
  }

  private static Optional<String> why(Pod pod, Instant now, @Nullable Duration olderThan) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
      String reason = pod.getStatus().getReason();
      return Optional.of("finished (" + phase + (reason == null ? "" : ": " + reason) + ")");
    }
    String created = pod.getMetadata().getCreationTimestamp();
    if (created == null) {
      return Optional.empty();
    }
    Duration age = Duration.between(Instant.parse(created), now);
    Long deadlineSeconds = pod.getSpec() == null ? null : pod.getSpec().getActiveDeadlineSeconds();
    Duration deadline =
        deadlineSeconds == null ? DEFAULT_DEADLINE : Duration.ofSeconds(deadlineSeconds);
    // activeDeadlineSeconds counts from the kubelet's start, so a pod never scheduled is never
    // ended by it: its age since creation is what tells it is abandoned.
    if (age.compareTo(deadline) > 0) {
      return Optional.of("past its deadline (" + human(deadline) + ", age " + human(age) + ")");
    }
    if (olderThan != null && age.compareTo(olderThan) > 0) {
      return Optional.of("older than " + human(olderThan) + " (age " + human(age) + ")");
    }
    return Optional.empty();
  }

  private static String human(Duration d) {
    long minutes = d.toMinutes();
    return minutes >= 120
        ? minutes / 60 + "h" + (minutes % 60 == 0 ? "" : minutes % 60 + "m")
        : minutes + "m";
  }
}
