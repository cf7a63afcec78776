package dev.coroner.agent.kube;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names the workload a crashed pod belongs to, the key flood control counts cores by: {@code
 * <namespace>/<Kind>/<name>} of the pod's controller, {@code <namespace>/Deployment/<name>} for a
 * Deployment's ReplicaSet, {@code <namespace>/pod/<pod>} when there is none or the API cannot say.
 */
public final class PodOwners {
  /** Pods whose key is remembered. */
  public static final int DEFAULT_CACHE = 1024;

  /** After a failed lookup, how long every pod gets the fallback key without asking. */
  public static final Duration DEFAULT_QUIET = Duration.ofSeconds(30);

  static final String POD_TEMPLATE_HASH = "pod-template-hash";

  private static final Logger LOG = LoggerFactory.getLogger(PodOwners.class);

  private final @Nullable KubernetesClient client;
  private final Duration quiet;
  private final Map<String, String> cache;
  private final ApiFailures failures = new ApiFailures();
  private volatile long quietUntil = System.nanoTime();

  /**
   * Looks pods up through {@code client} ({@code pods: get}; its timeouts bound a lookup: use
   * {@link KubeClients}). The client stays the caller's to close.
   */
  public PodOwners(KubernetesClient client) {
    this(Objects.requireNonNull(client, "client"), DEFAULT_CACHE, DEFAULT_QUIET);
  }

  PodOwners(@Nullable KubernetesClient client, int cacheSize, Duration quiet) {
    this.client = client;
    this.quiet = quiet;
    this.cache =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > cacheSize;
          }
        };
  }

  /** Without a cluster: every pod is its own workload. */
  public static PodOwners offline() {
    return new PodOwners(null, 0, DEFAULT_QUIET);
  }

  /** The key when the owner is unknown: {@code <namespace>/pod/<pod>}. */
  public static String fallbackKey(PodRef pod) {
    return pod.namespace() + "/pod/" + pod.name();
  }

  /**
   * The workload key of {@code pod}; one {@code pods get} the first time, none after. Never throws:
   * a missing pod or a failing API gives {@link #fallbackKey}.
   */
  public String workloadKey(PodRef pod) {
    String cacheKey = pod.uid() != null ? pod.uid() : pod.toString();
    String cached = cached(cacheKey);
    if (cached != null) {
      return cached;
    }
    if (client == null || System.nanoTime() - quietUntil < 0) {
      return fallbackKey(pod);
    }
    try {
      Pod found = client.pods().inNamespace(pod.namespace()).withName(pod.name()).get();
      // A pod already deleted is remembered too: asking again would not bring it back.
      String key = found == null ? fallbackKey(pod) : keyOf(found).orElse(fallbackKey(pod));
      synchronized (cache) {
        cache.put(cacheKey, key);
      }
      return key;
    } catch (RuntimeException e) {
      // A crash loop while the API is down or forbidden must not wait for it at every core.
      quietUntil = System.nanoTime() + quiet.toNanos();
      if (failures.first(e)) {
        LOG.warn(
            "Could not look up the owner of pod {}, so flood control counts it by pod: {}; later"
                + " failures of this kind are not logged",
            pod,
            ApiFailures.describe(e));
      }
      return fallbackKey(pod);
    }
  }

  /** The controller's key, with a Deployment's ReplicaSet named after the Deployment. */
  static Optional<String> keyOf(Pod pod) {
    String namespace = pod.getMetadata().getNamespace();
    return pod.getMetadata().getOwnerReferences().stream()
        .filter(owner -> Boolean.TRUE.equals(owner.getController()))
        .findFirst()
        .map(owner -> namespace + "/" + workload(owner, pod.getMetadata().getLabels()));
  }

  private static String workload(OwnerReference owner, Map<String, String> labels) {
    String hash = labels == null ? null : labels.get(POD_TEMPLATE_HASH);
    String name = owner.getName();
    // A Deployment names its ReplicaSets <deployment>-<pod-template-hash> and labels their pods
    // with the hash; RBAC gives no ReplicaSet get, so this is how the Deployment is known.
    if ("ReplicaSet".equals(owner.getKind())
        && hash != null
        && !hash.isEmpty()
        && name.length() > hash.length() + 1
        && name.endsWith("-" + hash)) {
      return "Deployment/" + name.substring(0, name.length() - hash.length() - 1);
    }
    return owner.getKind() + "/" + name;
  }

  private @Nullable String cached(String key) {
    synchronized (cache) {
      return cache.get(key);
    }
  }
}
