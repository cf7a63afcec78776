package dev.coroner.kube.api;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * {@code coroner.dev/v1 CoreDumpSnapshot}: a request for a snapshot of a live container's process,
 * in the pod's own namespace, so that RBAC decides who may snapshot which namespace. The agent on
 * the pod's node (label {@link CoronerApi#LABEL_NODE}) carries it out: the container's process
 * found through the CRI, frozen only while a copy is made, its core written as an ordinary dump and
 * uploaded; the status says how it went and names the dump. The agent's triggers (liveness, memory,
 * CPU) create the same resource.
 */
@Group(CoronerApi.GROUP)
@Version(CoronerApi.VERSION)
@Kind("CoreDumpSnapshot")
@Plural(CoronerApi.SNAPSHOTS)
@Singular("coredumpsnapshot")
public class CoreDumpSnapshot extends CustomResource<CoreDumpSnapshotSpec, CoreDumpSnapshotStatus>
    implements Namespaced {
  private static final long serialVersionUID = 1L;
}
