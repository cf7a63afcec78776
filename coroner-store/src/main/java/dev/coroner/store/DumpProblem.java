package dev.coroner.store;

import org.jspecify.annotations.Nullable;

/**
 * Why a listed dump cannot be read. The kind decides the advice: only a damaged dump may be called
 * damaged, and advice to delete evidence never comes from a permission or version problem.
 */
public record DumpProblem(Kind kind, @Nullable String detail) {

  /** What is wrong. */
  public enum Kind {
    /** Not a readable dump zip, or its dump-info is damaged. */
    DAMAGED,
    /** This user may not read it. */
    PERMISSION,
    /** Written by a newer coroner: its dump-info schema is newer than this one reads. */
    NEWER_SCHEMA,
    /** An object or file in the store that coroner did not write (no coroner metadata). */
    FOREIGN,
    /** It vanished while being listed. */
    GONE
  }

  /** A damaged dump. */
  public static DumpProblem damaged(@Nullable String detail) {
    return new DumpProblem(Kind.DAMAGED, detail);
  }
}
