package dev.coroner.receiver;

/**
 * The server's counters since it started.
 *
 * @param connections connections accepted from the socket
 * @param accepted cores the handler accepted
 * @param rejected cores the handler rejected
 * @param refusedNotKernel peers that were not the kernel
 * @param failed connections that failed (including truncated cores)
 * @param completed cores received to the kernel's end of stream
 * @param inFlight connections being served now
 */
public record ServerStats(
    long connections,
    long accepted,
    long rejected,
    long refusedNotKernel,
    long failed,
    long completed,
    int inFlight) {}
