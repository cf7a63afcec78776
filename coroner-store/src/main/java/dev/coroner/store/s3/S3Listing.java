package dev.coroner.store.s3;

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
 * Lists a store's dumps with few requests: one LIST page per 1,000 dumps (stopping at coroner's own
 * objects, which sort last), the listing indexes (one GET per writer), and a HEAD only for a dump
 * no index knows (uploaded by an old agent, or before its index was flushed).
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
    List<S3Object> zips = zips();
    Map<String, ListingIndex.Entry> index = indexes();
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

  private List<S3Object> zips() throws StoreException {
    List<S3Object> zips = new ArrayList<>();
    String token = null;
    try {
      do {
        String t = token;
        ListObjectsV2Response page =
            client.listObjectsV2(
                b -> b.bucket(layout.bucket()).prefix(layout.prefix()).continuationToken(t));
        boolean past = false;
        for (S3Object o : page.contents()) {
          if (o.key().compareTo(layout.metaPrefix()) >= 0) {
            past = true;
            break;
          }
          if (layout.isDump(o.key())) {
            zips.add(o);
          }
        }
        token =
            past || !Boolean.TRUE.equals(page.isTruncated()) ? null : page.nextContinuationToken();
      } while (token != null);
    } catch (SdkException e) {
      throw failures.of("list " + layout.url(), e);
    }
    return zips;
  }

  /** Every index's entries by key; an unreadable index only costs HEADs. */
  private Map<String, ListingIndex.Entry> indexes() throws StoreException {
    Map<String, ListingIndex.Entry> all = new HashMap<>();
    List<String> keys = new ArrayList<>();
    try {
      client
          .listObjectsV2Paginator(b -> b.bucket(layout.bucket()).prefix(layout.indexPrefix()))
          .contents()
          .forEach(o -> keys.add(o.key()));
    } catch (SdkException e) {
      throw failures.of("list the indexes of " + layout.url(), e);
    }
    for (String key : keys) {
      try (InputStream in = client.getObject(b -> b.bucket(layout.bucket()).key(key))) {
        all.putAll(ListingIndex.parse(in.readAllBytes()).entries());
      } catch (NoSuchKeyException e) {
        // replaced meanwhile; its dumps get a HEAD
      } catch (java.io.IOException e) {
        // a broken read only costs HEADs
      } catch (SdkException e) {
        throw failures.of("read " + key, e);
      }
    }
    return all;
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
    String name = S3Layout.name(o.key());
    try {
      return new StoredDump(
          name,
          o.size(),
          o.lastModified(),
          layout.location(o.key()),
          DumpMetadata.parse(metadata),
          null);
    } catch (DumpMetadata.ForeignObjectException e) {
      return new StoredDump(
          name,
          o.size(),
          o.lastModified(),
          layout.location(o.key()),
          null,
          new DumpProblem(DumpProblem.Kind.FOREIGN, e.getMessage()));
    } catch (DumpMetadata.NewerSchemaException e) {
      return new StoredDump(
          name,
          o.size(),
          o.lastModified(),
          layout.location(o.key()),
          null,
          new DumpProblem(DumpProblem.Kind.NEWER_SCHEMA, e.getMessage()));
    } catch (IllegalArgumentException e) {
      return new StoredDump(
          name,
          o.size(),
          o.lastModified(),
          layout.location(o.key()),
          null,
          DumpProblem.damaged(e.getMessage()));
    }
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
