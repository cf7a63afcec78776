package dev.coroner.store.s3;

import dev.coroner.store.DumpLocation;

/**
 * Where things are in a bucket under the store's prefix. Dumps are {@code PREFIX/KEY.zip} (the key
 * template decides KEY). coroner's own objects live under {@code PREFIX/~coroner/}: the full
 * dump-info of each dump ({@code info/KEY.json}), the listing indexes ({@code index/ID.json}) and
 * the executables and libraries kept by build-id ({@code binaries/BUILD_ID/FILE_NAME}). {@code ~}
 * sorts after every character a key template produces, so a listing of the prefix meets every dump
 * before any of coroner's objects and can stop there.
 */
record S3Layout(String bucket, String prefix) {
  static final String META = "~coroner/";

  /** The store's URL. */
  String url() {
    return "s3://" + bucket + "/" + prefix;
  }

  /** The suffix of a dump encrypted at rest: {@code KEY.zip.age}, an age file of the zip. */
  static final String ENCRYPTED = ".age";

  /**
   * Whether a listed key is a dump's zip, plain or encrypted (and not one of coroner's objects).
   */
  boolean isDump(String key) {
    return key.startsWith(prefix)
        && (key.endsWith(".zip") || key.endsWith(".zip" + ENCRYPTED))
        && !key.startsWith(metaPrefix());
  }

  /** The first key past every dump: listings stop here. */
  String metaPrefix() {
    return prefix + META;
  }

  /** The full dump-info of the dump at {@code zipKey}. */
  String infoKey(String zipKey) {
    return metaPrefix() + "info/" + relative(zipKey).replaceFirst("\\.zip(\\.age)?$", ".json");
  }

  /** Where dumps stored before 0.2 kept their dump-info: beside the zip. */
  String legacyInfoKey(String zipKey) {
    return zipKey.replaceFirst("\\.zip(\\.age)?$", ".json");
  }

  /** The prefix of every listing index. */
  String indexPrefix() {
    return metaPrefix() + "index/";
  }

  /** The listing index one writer (a node's agent) keeps. */
  String indexKey(String id) {
    return indexPrefix() + id + ".json";
  }

  /** A kept binary: the same for every dump of the same build. */
  String binaryKey(String buildId, String fileName) {
    return metaPrefix() + "binaries/" + buildId + "/" + fileName;
  }

  DumpLocation.StoredObject location(String key) {
    return new DumpLocation.StoredObject("s3", bucket, key);
  }

  /** The dump's name: the file name of its key without {@code .zip} (or {@code .zip.age}). */
  static String name(String zipKey) {
    String file = zipKey.substring(zipKey.lastIndexOf('/') + 1);
    if (file.endsWith(ENCRYPTED)) {
      file = file.substring(0, file.length() - ENCRYPTED.length());
    }
    return file.substring(0, file.length() - ".zip".length());
  }

  private String relative(String key) {
    return key.startsWith(prefix) ? key.substring(prefix.length()) : key;
  }
}
