// GatewayTLS: OpenSSL termination as a NIO ChannelHandler (being written).
