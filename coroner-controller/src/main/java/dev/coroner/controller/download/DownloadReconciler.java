package dev.coroner.controller.download;

import dev.coroner.base.units.Durations;
import dev.coroner.controller.audit.AuditLog;
import dev.coroner.kube.api.CoreDump;
import dev.coroner.kube.api.CoreDumpDownload;
import dev.coroner.kube.api.CoreDumpDownloadSpec;
import dev.coroner.kube.api.CoreDumpDownloadStatus;
import dev.coroner.kube.api.CoreDumps;
import dev.coroner.kube.seal.Age;
import dev.coroner.kube.seal.AgeRecipient;
import dev.coroner.store.PresignedDownloads;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.StoredDump;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers CoreDumpDownload requests: checks that the named CoreDump is in the request's namespace,
 * presigns its object, and writes the URL and its expiry (or only the URL sealed to the request's
 * key) into the status; every decision goes to the audit log. Who may ask is RBAC's decision
 * ({@code coredumpdownloads: create}); that the requester is who created the request, the admission
 * policy's.
 */
public final class DownloadReconciler {
  private static final Logger LOG = LoggerFactory.getLogger(DownloadReconciler.class);

  private final KubernetesClient client;
  private final PresignedDownloads signer;
  private final Duration ttl;
  private final AuditLog audit;
  private final Clock clock;

  public DownloadReconciler(
      KubernetesClient client,
      PresignedDownloads signer,
      Duration ttl,
      AuditLog audit,
      Clock clock) {
    this.client = client;
    this.signer = signer;
    this.ttl = ttl;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * Answers {@code d} unless it has its answer; returns when the answer expires, for the caller to
   * delete it then.
   */
  public Optional<Instant> reconcile(CoreDumpDownload d) {
    if (d.getMetadata().getDeletionTimestamp() != null) {
      return Optional.empty();
    }
    if (d.getStatus() != null && d.getStatus().answered()) {
      return Optional.ofNullable(d.getStatus().expiresAt()).map(Instant::parse);
    }
    CoreDumpDownloadStatus answer = answer(d);
    d.setStatus(answer);
    client.resource(d).updateStatus();
    return Optional.ofNullable(answer.expiresAt()).map(Instant::parse);
  }

  private CoreDumpDownloadStatus answer(CoreDumpDownload d) {
    String ns = d.getMetadata().getNamespace();
    CoreDumpDownloadSpec spec = d.getSpec();
    String wanted = spec == null ? null : spec.coreDump();
    if (spec == null || wanted == null || wanted.isBlank()) {
      return refuse(d, CoreDumpDownloadStatus.NOT_FOUND, "spec.coreDump names no CoreDump");
    }
    CoreDump dump = client.resources(CoreDump.class).inNamespace(ns).withName(wanted).get();
    if (dump == null || dump.getMetadata().getDeletionTimestamp() != null) {
      return refuse(
          d,
          CoreDumpDownloadStatus.NOT_FOUND,
          "no CoreDump '"
              + wanted
              + "' in namespace "
              + ns
              + "; 'kubectl get coredumps -n "
              + ns
              + "' lists them");
    }
    String requester = spec.requester();
    String publicKey = spec.publicKey();
    AgeRecipient to = null;
    if (publicKey != null && !publicKey.isBlank()) {
      try {
        to = AgeRecipient.parse(publicKey);
      } catch (IllegalArgumentException e) {
        return refuse(d, CoreDumpDownloadStatus.BAD_KEY, "spec.publicKey: " + e.getMessage());
      }
    }
    Instant signedAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    URI url;
    try {
      StoredDump object = CoreDumps.object(dump);
      url = signer.presign(object, ttl);
    } catch (IllegalArgumentException e) {
      return refuse(
          d,
          CoreDumpDownloadStatus.NOT_IN_STORE,
          Objects.toString(e.getMessage(), "the CoreDump names no object"));
    } catch (StoreException e) {
      boolean outside = e.failure() == StoreFailure.NOT_FOUND;
      LOG.warn("cannot sign a URL for coredump {}/{}: {}", ns, wanted, e.getMessage());
      return refuse(
          d,
          outside ? CoreDumpDownloadStatus.NOT_IN_STORE : CoreDumpDownloadStatus.STORE_FAILED,
          outside
              ? Objects.toString(e.getMessage(), "the CoreDump's object is not in this store")
              : "the controller cannot sign URLs now ("
                  + e.failure().label()
                  + "); its log says why");
    }
    // X-Amz-Date has whole seconds: the URL dies at signedAt + ttl at the latest.
    Instant expires = signedAt.plus(ttl);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("request", d.getMetadata().getName());
    details.put("expiresAt", expires.toString());
    details.put("encrypted", to != null);
    audit.record("download", requester, ns, wanted, "signed", details);
    String valid = "valid for " + Durations.format(ttl);
    return to == null
        ? new CoreDumpDownloadStatus(
            CoreDumpDownloadStatus.READY,
            null,
            "URL " + valid,
            url.toString(),
            null,
            expires.toString())
        : new CoreDumpDownloadStatus(
            CoreDumpDownloadStatus.READY,
            null,
            "URL encrypted to " + to + ", " + valid,
            null,
            Age.encrypt(url.toString().getBytes(StandardCharsets.UTF_8), to),
            expires.toString());
  }

  private CoreDumpDownloadStatus refuse(CoreDumpDownload d, String reason, String message) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("request", d.getMetadata().getName());
    details.put("reason", reason);
    audit.record(
        "download",
        d.getSpec() == null ? null : d.getSpec().requester(),
        d.getMetadata().getNamespace(),
        d.getSpec() == null ? null : d.getSpec().coreDump(),
        "refused",
        details);
    return CoreDumpDownloadStatus.failed(reason, message);
  }
}
