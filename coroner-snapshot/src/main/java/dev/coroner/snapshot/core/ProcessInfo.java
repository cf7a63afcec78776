package dev.coroner.snapshot.core;

/**
 * What NT_PRPSINFO carries about the process, from {@code /proc/PID/stat}, {@code status} and
 * {@code cmdline}.
 *
 * @param psargs the command line, arguments joined by spaces (the note keeps 80 bytes)
 */
public record ProcessInfo(
    char state,
    int nice,
    long flags,
    int uid,
    int gid,
    int nsPid,
    int ppid,
    int pgrp,
    int sid,
    String comm,
    String psargs) {}
