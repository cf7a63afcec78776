package dev.coroner.agent.trigger;

import dev.coroner.agent.kube.PodRef;
import dev.coroner.base.text.SafeText;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods on this node, listed and watched through the API (field selector {@code spec.nodeName}),
 * and their running containers that some trigger applies to.
 */
final class NodePods implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodePods.class);
  private static final Pattern CONTAINER_ID = Pattern.compile("[0-9a-f]{64}");

  /** One pod, as the triggers see it. */
  private record View(PodRef pod, List<WatchedContainer> containers) {}

  private final KubernetesClient client;
  private final String node;
  private final TriggerPolicy policy;
  private final Runnable onChange;
  private final Map<String, View> pods = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final InformerFailures failures = new InformerFailures("pods", "list, watch");
  private @Nullable SharedIndexInformer<Pod> informer;

  /**
   * The pods of {@code node}; {@code onChange} runs after each change, on the informer's thread.
   */
  NodePods(KubernetesClient client, String node, TriggerPolicy policy, Runnable onChange) {
    this.client = client;
    this.node = node;
    this.policy = policy;
    this.onChange = onChange;
  }

  /** Lists and watches the node's pods, from now until {@link #close}. */
  void start() {
    SharedIndexInformer<Pod> i =
        client.pods().inAnyNamespace().withField("spec.nodeName", node).runnableInformer(0);
    i.exceptionHandler(failures::retry);
    i.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod pod) {
            update(pod);
          }

          @Override
          public void onUpdate(Pod old, Pod pod) {
            update(pod);
          }

          @Override
          public void onDelete(Pod pod, boolean finalStateUnknown) {
            remove(pod);
          }
        });
    informer = i;
    var unused = i.start();
  }

  /** Every running container that a trigger applies to. */
  List<WatchedContainer> containers() {
    List<WatchedContainer> all = new ArrayList<>();
    pods.values().forEach(v -> all.addAll(v.containers()));
    return all;
  }

  /** Whether some container on the node has {@code trigger}. */
  boolean any(Trigger trigger) {
    return pods.values().stream()
        .flatMap(v -> v.containers().stream())
        .anyMatch(c -> c.triggers().contains(trigger));
  }

  /** Container {@code name} of the pod with {@code uid}, if it runs and a trigger applies. */
  @Nullable WatchedContainer container(String uid, String name) {
    View v = pods.get(uid);
    if (v == null) {
      return null;
    }
    return v.containers().stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
  }

  private void update(Pod pod) {
    String uid = pod.getMetadata().getUid();
    if (uid == null) {
      return;
    }
    // The API server selects by node; this holds for any list that did not.
    if (pod.getSpec() == null || !node.equals(pod.getSpec().getNodeName())) {
      pods.remove(uid);
      onChange.run();
      return;
    }
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String annotation = annotations == null ? null : annotations.get(TriggerPolicy.ANNOTATION);
    if (annotation != null && warned.add(uid)) {
      Set<String> unknown = TriggerPolicy.unknownWords(annotation);
      if (!unknown.isEmpty()) {
        LOG.warn(
            "Pod {}/{}: {} names no trigger in {}; the triggers are liveness, memory, cpu and none",
            pod.getMetadata().getNamespace(),
            pod.getMetadata().getName(),
            TriggerPolicy.ANNOTATION,
            SafeText.line(String.join(",", unknown)));
      }
    }
    Set<Trigger> triggers = policy.triggersFor(annotation);
    View view = triggers.isEmpty() ? null : view(pod, uid, triggers);
    if (view == null || view.containers().isEmpty()) {
      pods.remove(uid);
    } else {
      pods.put(uid, view);
    }
    onChange.run();
  }

  private void remove(Pod pod) {
    if (pod.getMetadata().getUid() != null) {
      pods.remove(pod.getMetadata().getUid());
      warned.remove(pod.getMetadata().getUid());
      onChange.run();
    }
  }

  private static @Nullable View view(Pod pod, String uid, Set<Trigger> triggers) {
    String namespace = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    if (namespace == null || name == null || pod.getStatus() == null) {
      return null;
    }
    PodRef ref = new PodRef(namespace, name, uid);
    Map<String, Duration> probes = new HashMap<>();
    for (Container c : pod.getSpec().getContainers()) {
      probes.put(c.getName(), probeWindow(c.getLivenessProbe()));
    }
    List<WatchedContainer> running = new ArrayList<>();
    for (ContainerStatus s : pod.getStatus().getContainerStatuses()) {
      Instant started = startedAt(s);
      String id = containerId(s.getContainerID());
      Duration probe = probes.get(s.getName());
      if (started == null || id == null || probe == null) {
        continue; // not running, or not one of the spec's containers (an init container)
      }
      int restarts = Objects.requireNonNullElse(s.getRestartCount(), 0);
      running.add(new WatchedContainer(ref, s.getName(), id, started, restarts, triggers, probe));
    }
    return new View(ref, List.copyOf(running));
  }

  /** Period plus timeout, the kubelet's defaults (10 s, 1 s) where the probe does not say. */
  private static Duration probeWindow(@Nullable Probe probe) {
    int period = probe == null || probe.getPeriodSeconds() == null ? 10 : probe.getPeriodSeconds();
    int timeout =
        probe == null || probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds();
    return Duration.ofSeconds(Math.max(1, period) + Math.max(1, timeout));
  }

  private static @Nullable Instant startedAt(ContainerStatus s) {
    if (s.getState() == null || s.getState().getRunning() == null) {
      return null;
    }
    String text = s.getState().getRunning().getStartedAt();
    try {
      return text == null ? null : Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** {@code containerd://<64 hex>} → the hex; null for anything else. */
  private static @Nullable String containerId(@Nullable String text) {
    if (text == null) {
      return null;
    }
    String id = text.substring(text.indexOf("://") < 0 ? 0 : text.indexOf("://") + 3);
    return CONTAINER_ID.matcher(id).matches() ? id : null;
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
