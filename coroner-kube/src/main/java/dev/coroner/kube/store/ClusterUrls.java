package dev.coroner.kube.store;

import org.jspecify.annotations.Nullable;

/**
 * The cluster store's URLs: {@code k8s}, {@code k8s://} (the current context) and {@code
 * k8s://CONTEXT}. Apart from {@link ClusterStore} so that a command on another store can ask
 * without loading fabric8.
 */
public final class ClusterUrls {
  private ClusterUrls() {}

  /** Whether a store URL names the cluster. */
  public static boolean isCluster(@Nullable String url) {
    return url != null && (url.equals("k8s") || url.startsWith("k8s://"));
  }

  /**
   * The context a cluster URL names, or null for the current one. Taken as written: context names
   * (EKS ARNs, user@cluster) are not URL hosts.
   */
  public static @Nullable String contextOf(String url) {
    String rest = url.startsWith("k8s://") ? url.substring("k8s://".length()) : "";
    rest = rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest;
    return rest.isEmpty() ? null : rest;
  }
}
