package dev.coroner.agent.cri;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC channel to a unix socket on one daemon event-loop thread, calls completing on that thread:
 * no pool for a client that makes a few calls per crash.
 */
final class CriChannel implements AutoCloseable {
  private final EventLoopGroup group;
  private final ManagedChannel channel;

  private CriChannel(Path socket) {
    group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("cri", true), NioIoHandler.newFactory());
    channel =
        NettyChannelBuilder.forAddress(UnixDomainSocketAddress.of(socket))
            // The JDK's unix sockets (16+) through Netty's NIO: no native transport to ship.
            .channelType(NioDomainSocketChannel.class, UnixDomainSocketAddress.class)
            .eventLoopGroup(group)
            // gRPC asks every channel for TCP keep-alive; a unix socket has none, and Netty would
            // warn at each connect. A null value removes the option.
            .withOption(ChannelOption.SO_KEEPALIVE, null)
            .directExecutor()
            .usePlaintext()
            // A socket path is no authority; runtimes ignore it.
            .overrideAuthority("localhost")
            .build();
  }

  /** A channel to {@code socket}; it connects at the first call. */
  static CriChannel open(Path socket) {
    return new CriChannel(socket);
  }

  ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    var unused = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
