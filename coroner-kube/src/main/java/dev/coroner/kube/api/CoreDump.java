package dev.coroner.kube.api;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * {@code coroner.dev/v1 CoreDump}: one dump's metadata in the crashed pod's namespace (never the
 * core: that stays in the bucket). Named after the dump's uuid. The agent creates it once the
 * upload is verified; the controller's finalizer deletes the object with it.
 */
@Group(CoronerApi.GROUP)
@Version(CoronerApi.VERSION)
@Kind("CoreDump")
@Plural(CoronerApi.COREDUMPS)
@Singular("coredump")
public class CoreDump extends CustomResource<CoreDumpSpec, Void> implements Namespaced {
  private static final long serialVersionUID = 1L;
}
