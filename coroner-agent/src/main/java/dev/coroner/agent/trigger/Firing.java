package dev.coroner.agent.trigger;

/**
 * A trigger that fired for a container: a snapshot of it is to be requested.
 *
 * @param container the container
 * @param trigger which trigger
 * @param reason what it saw, for people: {@code memory 94% of 256 MiB}
 */
record Firing(WatchedContainer container, Trigger trigger, String reason) {}
