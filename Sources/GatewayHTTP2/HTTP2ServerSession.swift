// GatewayHTTP2: nghttp2 session wrapper (being written).
