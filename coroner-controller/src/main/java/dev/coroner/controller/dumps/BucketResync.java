package dev.coroner.controller.dumps;

import dev.coroner.controller.audit.AuditLog;
import dev.coroner.kube.api.CoreDump;
import dev.coroner.kube.api.CoreDumpSpec;
import dev.coroner.kube.api.CoreDumps;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bucket is the source of truth, as Velero treats its backups: a pass recreates the CoreDump of
 * every dump in the bucket that has none, deletes the CoreDumps whose object is gone, and applies
 * the retention TTL to both (an old CoreDump is deleted through the API, so that its finalizer
 * deletes the object; an old object without a CoreDump is deleted directly).
 */
public final class BucketResync {
  private static final Logger LOG = LoggerFactory.getLogger(BucketResync.class);

  /** What one pass did. */
  public record Result(int created, int orphansDeleted, int expired, int skipped) {}

  private final KubernetesClient client;
  private final Store store;
  private final AuditLog audit;
  private final Clock clock;
  private final Duration retention;
  private final String hostNamespace;

  /**
   * @param retention dumps older than this go; zero keeps everything
   * @param hostNamespace where host processes' CoreDumps are recreated
   */
  public BucketResync(
      KubernetesClient client,
      Store store,
      AuditLog audit,
      Clock clock,
      Duration retention,
      String hostNamespace) {
    this.client = client;
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.retention = retention;
    this.hostNamespace = hostNamespace;
  }

  /** One pass. */
  public Result run() throws StoreException {
    Instant now = clock.instant();
    // CoreDumps first, then the bucket: the agent creates a CoreDump only after its object is
    // verified, so every CoreDump listed here had its object before the bucket is listed, and a
    // missing object means it is gone, not that it is on its way.
    List<CoreDump> known = client.resources(CoreDump.class).inAnyNamespace().list().getItems();
    List<StoredDump> stored = store.list();
    Set<String> keys = new HashSet<>();
    for (StoredDump s : stored) {
      if (s.location() instanceof DumpLocation.StoredObject o) {
        keys.add(o.key());
      }
    }
    Map<String, CoreDump> byKey = new HashMap<>();
    int orphans = 0;
    int expired = 0;
    for (CoreDump d : known) {
      if (d.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      CoreDumpSpec.StoredObject object = d.getSpec() == null ? null : d.getSpec().object();
      String key = object == null ? null : object.key();
      if (object == null || key == null) {
        continue;
      }
      if (keys.contains(key)) {
        byKey.put(key, d);
        if (tooOld(crashTime(d), now)) {
          delete(d, "expired");
          expired++;
        }
      } else if (inStore(object)) {
        delete(d, "orphaned");
        orphans++;
      }
    }
    int created = 0;
    int skipped = 0;
    for (StoredDump s : stored) {
      DumpLocation.StoredObject o = (DumpLocation.StoredObject) s.location();
      if (byKey.containsKey(o.key())) {
        continue;
      }
      if (tooOld(s.time().getEpochSecond(), now)) {
        store.delete(s);
        audit.record(
            "delete",
            null,
            namespaceOf(s),
            s.uuid(),
            "expired",
            Map.of("by", "retention", "key", o.key()));
        expired++;
      } else if (s.readable() && recreate(s, o)) {
        created++;
      } else {
        skipped++;
      }
    }
    Result r = new Result(created, orphans, expired, skipped);
    if (created + orphans + expired > 0) {
      LOG.info(
          "resync: {} CoreDumps recreated, {} without an object deleted, {} past retention deleted, {} objects skipped",
          created,
          orphans,
          expired,
          skipped);
    }
    return r;
  }

  private boolean tooOld(long epochSeconds, Instant now) {
    return !retention.isZero()
        && Instant.ofEpochSecond(epochSeconds).isBefore(now.minus(retention));
  }

  /** The crash's epoch seconds; the far future for a CoreDump that does not say. */
  private static long crashTime(CoreDump d) {
    String time = d.getSpec() == null ? null : d.getSpec().crashTime();
    if (time == null) {
      return Long.MAX_VALUE / 2;
    }
    try {
      return Instant.parse(time).getEpochSecond();
    } catch (RuntimeException e) {
      return Long.MAX_VALUE / 2;
    }
  }

  /** Whether a CoreDump's object is in this controller's store (not another's). */
  private boolean inStore(CoreDumpSpec.StoredObject object) {
    String named = object.store();
    return named != null && trim(store.url()).equals(trim(named));
  }

  private static String trim(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private String namespaceOf(StoredDump s) {
    return s.info() == null ? hostNamespace : CoreDumps.namespace(s.info(), hostNamespace);
  }

  private boolean recreate(StoredDump s, DumpLocation.StoredObject o) {
    String ns = namespaceOf(s);
    try {
      // The full dump-info, as the agent had it: the listing carries only part of it.
      CoreDump d =
          CoreDumps.of(store.info(s), new CoreDumps.Origin(store.url(), o, s.size()), ns, null);
      client.resource(d).create();
      audit.record(
          "resync", null, ns, d.getMetadata().getName(), "recreated", Map.of("key", o.key()));
      return true;
    } catch (IllegalArgumentException e) {
      LOG.warn("resync: {} cannot be a CoreDump: {}", o.key(), e.getMessage());
    } catch (StoreException e) {
      LOG.warn("resync: cannot read the dump-info of {}: {}", o.key(), e.getMessage());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return false; // the agent was quicker
      }
      LOG.warn(
          "resync: cannot create the CoreDump of {} in namespace {}: HTTP {} {}",
          o.key(),
          ns,
          e.getCode(),
          e.getStatus() == null ? "" : e.getStatus().getMessage());
    }
    return false;
  }

  private void delete(CoreDump d, String why) {
    client.resource(d).delete();
    audit.record(
        "delete",
        null,
        d.getMetadata().getNamespace(),
        d.getMetadata().getName(),
        why,
        Map.of("by", "resync"));
  }
}
