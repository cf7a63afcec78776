package dev.coroner.kube.api;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * {@code coroner.dev/v1 CoreDumpDownload}: a request for one CoreDump of the same namespace. The
 * controller answers in the status with a presigned URL and its expiry (or only the URL sealed to
 * {@code spec.publicKey}), and deletes the request once the URL has expired (Velero's
 * DownloadRequest pattern).
 */
@Group(CoronerApi.GROUP)
@Version(CoronerApi.VERSION)
@Kind("CoreDumpDownload")
@Plural(CoronerApi.DOWNLOADS)
@Singular("coredumpdownload")
public class CoreDumpDownload extends CustomResource<CoreDumpDownloadSpec, CoreDumpDownloadStatus>
    implements Namespaced {
  private static final long serialVersionUID = 1L;
}
