package dev.coroner.composer;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Starts the disk writeback of a dump while it is still being written, by calling fsync every 250
 * ms from its own thread. The final fsync before the rename then finds little left to do: for a 1
 * GiB core it otherwise costs a quarter of a second at the end.
 */
final class Flusher implements AutoCloseable {
  private final Thread thread;
  private volatile boolean running = true;

  private Flusher(FileChannel channel) {
    thread =
        new Thread(
            () -> {
              while (running) {
                try {
                  Thread.sleep(250);
                  channel.force(false);
                } catch (InterruptedException | IOException e) {
                  return;
                }
              }
            },
            "coroner-flusher");
    thread.setDaemon(true);
  }

  static Flusher start(FileChannel channel) {
    Flusher f = new Flusher(channel);
    f.thread.start();
    return f;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
