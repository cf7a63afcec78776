package dev.coroner.controller.dumps;

import dev.coroner.controller.audit.AuditLog;
import dev.coroner.kube.api.CoreDump;
import dev.coroner.kube.api.CoreDumps;
import dev.coroner.kube.api.CoronerApi;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.StoredDump;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deleting a CoreDump deletes its dump: once Kubernetes marks a CoreDump for deletion, this deletes
 * the dump's object (and coroner's copy of its dump-info) from the bucket, then removes {@link
 * CoronerApi#FINALIZER} so that the CoreDump goes. A store failure keeps the finalizer, and the
 * caller tries again.
 */
public final class DumpFinalizer {
  private static final Logger LOG = LoggerFactory.getLogger(DumpFinalizer.class);

  private final KubernetesClient client;
  private final Store store;
  private final AuditLog audit;

  public DumpFinalizer(KubernetesClient client, Store store, AuditLog audit) {
    this.client = client;
    this.store = store;
    this.audit = audit;
  }

  /**
   * Finishes the deletion of {@code d} if it is being deleted; true when nothing is left to do.
   *
   * @throws StoreException when the object could not be deleted: try again later
   */
  public boolean reconcile(CoreDump d) throws StoreException {
    if (d.getMetadata().getDeletionTimestamp() == null
        || !d.getMetadata().getFinalizers().contains(CoronerApi.FINALIZER)) {
      return true;
    }
    String ns = d.getMetadata().getNamespace();
    String name = d.getMetadata().getName();
    String decision = "deleted";
    try {
      StoredDump object = CoreDumps.object(d);
      store.delete(object);
    } catch (IllegalArgumentException e) {
      decision = "no-object";
      LOG.warn("CoreDump {}/{} names no object; removing it alone", ns, name);
    } catch (StoreException e) {
      if (e.failure() != StoreFailure.NOT_FOUND) {
        throw e;
      }
      // Outside this controller's store: not ours to delete, and no reason to keep the CoreDump.
      decision = "not-in-store";
      LOG.warn("CoreDump {}/{}: {}; removing the CoreDump only", ns, name, e.getMessage());
    }
    client
        .resources(CoreDump.class)
        .inNamespace(ns)
        .withName(name)
        .edit(
            c -> {
              List<String> rest = new ArrayList<>(c.getMetadata().getFinalizers());
              rest.remove(CoronerApi.FINALIZER);
              c.getMetadata().setFinalizers(rest);
              return c;
            });
    audit.record("delete", null, ns, name, decision, Map.of("by", "finalizer"));
    return true;
  }
}
