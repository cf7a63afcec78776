package dev.coroner.snapshot.core;

/**
 * What {@code /proc/PID/task/TID} tells about a thread for its NT_PRSTATUS note, read after the
 * freeze: ids in the process's own PID namespace, signal masks and CPU times.
 */
public record ThreadInfo(
    int nsTid,
    int ppid,
    int pgrp,
    int sid,
    long sigPending,
    long sigBlocked,
    long utimeTicks,
    long stimeTicks) {}
