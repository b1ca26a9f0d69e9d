// GatewayUpstream: upstream SSE client (being written).
