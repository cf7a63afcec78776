package dev.coroner.agent.kube;

import dev.coroner.dump.DumpInfo;
import java.util.Objects;

/**
 * The pod a crashed process ran in, as the capture's metadata names it.
 *
 * @param namespace the pod's namespace
 * @param name the pod's name
 * @param uid the pod's UID, or null when the capture did not learn it
 */
public record PodRef(String namespace, String name, String uid) {
  public PodRef {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    if (namespace.isBlank() || name.isBlank()) {
      throw new IllegalArgumentException("a pod needs a namespace and a name: " + this);
    }
  }

  /** The pod a dump's metadata names. */
  public static PodRef of(DumpInfo.PodInfo pod) {
    return new PodRef(pod.namespace(), pod.name(), pod.uid());
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
