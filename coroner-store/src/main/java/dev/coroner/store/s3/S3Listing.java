package dev.coroner.store.s3;

import dev.coroner.dump.DumpInfo;
import dev.coroner.store.DumpProblem;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.StoredDump;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Lists a store's dumps with few requests: one LIST page per 1,000 dumps, which also meets the
 * listing indexes (coroner's own objects sort last, the indexes first among them), one GET per
 * index (one per writer), and a HEAD only for a dump no index knows (uploaded by an old agent, or
 * before its index was flushed).
 */
final class S3Listing {
  private static final int HEAD_THREADS = 8;

  private final S3Client client;
  private final S3Layout layout;
  private final S3Failures failures;

  S3Listing(S3Client client, S3Layout layout, S3Failures failures) {
    this.client = client;
    this.layout = layout;
    this.failures = failures;
  }

  List<StoredDump> list() throws StoreException {
    List<S3Object> zips = new ArrayList<>();
    List<String> indexes = new ArrayList<>();
    keys(zips, indexes);
    Map<String, ListingIndex.Entry> index = read(indexes);
    List<StoredDump> dumps = new ArrayList<>();
    List<S3Object> unknown = new ArrayList<>();
    for (S3Object o : zips) {
      ListingIndex.Entry e = index.get(o.key());
      if (e != null && e.size() == o.size()) {
        dumps.add(fromMetadata(o, e.metadata()));
      } else {
        unknown.add(o);
      }
    }
    dumps.addAll(head(unknown));
    dumps.sort(Comparator.comparing(StoredDump::time).thenComparing(StoredDump::stored).reversed());
    return dumps;
  }

  /**
   * One pass over the LIST pages: the dumps' zips, then (they sort next) the indexes' keys; it
   * stops at the first key past them ({@code ~coroner/info/}).
   */
  private void keys(List<S3Object> zips, List<String> indexes) throws StoreException {
    String token = null;
    try {
      do {
        String t = token;
        ListObjectsV2Response page =
            client.listObjectsV2(
                b -> b.bucket(layout.bucket()).prefix(layout.prefix()).continuationToken(t));
        boolean past = false;
        for (S3Object o : page.contents()) {
          String key = o.key();
          if (key.startsWith(layout.indexPrefix())) {
            if (key.endsWith(".json")) { // not a directory marker some servers list
              indexes.add(key);
            }
          } else if (key.compareTo(layout.metaPrefix()) >= 0) {
            if (key.compareTo(layout.indexPrefix()) > 0) {
              past = true;
              break;
            }
          } else if (layout.isDump(key)) {
            zips.add(o);
          }
        }
        token =
            past || !Boolean.TRUE.equals(page.isTruncated()) ? null : page.nextContinuationToken();
      } while (token != null);
    } catch (SdkException e) {
      throw failures.of("list " + layout.url(), e);
    }
  }

  /** Every index's entries by key, read in parallel; an unreadable index only costs HEADs. */
  private Map<String, ListingIndex.Entry> read(List<String> keys) throws StoreException {
    Map<String, ListingIndex.Entry> all = new HashMap<>();
    if (keys.isEmpty()) {
      return all;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(HEAD_THREADS, keys.size()));
    try {
      List<Future<ListingIndex>> reads = new ArrayList<>();
      for (String key : keys) {
        reads.add(pool.submit(() -> readIndex(key)));
      }
      for (Future<ListingIndex> f : reads) {
        all.putAll(get(f).entries());
      }
      return all;
    } finally {
      pool.shutdownNow();
    }
  }

  private ListingIndex readIndex(String key) throws StoreException {
    try (InputStream in = client.getObject(b -> b.bucket(layout.bucket()).key(key))) {
      return ListingIndex.parse(in.readAllBytes());
    } catch (NoSuchKeyException | java.io.IOException e) {
      return ListingIndex.empty(); // replaced or cut meanwhile: its dumps get a HEAD
    } catch (SdkException e) {
      throw failures.of("read " + key, e);
    }
  }

  private List<StoredDump> head(List<S3Object> objects) throws StoreException {
    if (objects.isEmpty()) {
      return List.of();
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(HEAD_THREADS, objects.size()));
    try {
      List<Future<StoredDump>> heads = new ArrayList<>();
      for (S3Object o : objects) {
        heads.add(pool.submit(() -> head(o)));
      }
      List<StoredDump> dumps = new ArrayList<>();
      for (Future<StoredDump> f : heads) {
        dumps.add(get(f));
      }
      return dumps;
    } finally {
      pool.shutdownNow();
    }
  }

  private StoredDump head(S3Object o) throws StoreException {
    try {
      HeadObjectResponse h = client.headObject(b -> b.bucket(layout.bucket()).key(o.key()));
      return fromMetadata(o, h.metadata());
    } catch (NoSuchKeyException e) {
      return new StoredDump(
          S3Layout.name(o.key()),
          0,
          o.lastModified(),
          layout.location(o.key()),
          null,
          new DumpProblem(DumpProblem.Kind.GONE, "deleted while listing"));
    } catch (SdkException e) {
      throw failures.of("read " + layout.location(o.key()).display(), e);
    }
  }

  private StoredDump fromMetadata(S3Object o, Map<String, String> metadata) {
    DumpInfo info = null;
    DumpProblem problem = null;
    try {
      info = DumpMetadata.parse(metadata);
    } catch (DumpMetadata.ForeignObjectException e) {
      problem = new DumpProblem(DumpProblem.Kind.FOREIGN, e.getMessage());
    } catch (DumpMetadata.NewerSchemaException e) {
      problem = new DumpProblem(DumpProblem.Kind.NEWER_SCHEMA, e.getMessage());
    } catch (IllegalArgumentException e) {
      problem = DumpProblem.damaged(e.getMessage());
    }
    return new StoredDump(
        S3Layout.name(o.key()),
        o.size(),
        o.lastModified(),
        layout.location(o.key()),
        info,
        problem);
  }

  private static <T> T get(Future<T> f) throws StoreException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(StoreFailure.OTHER, "interrupted while listing", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StoreException se) {
        throw se;
      }
      throw new StoreException(StoreFailure.OTHER, String.valueOf(e.getCause()), e.getCause());
    }
  }
}
